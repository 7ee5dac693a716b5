import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy lab's back-tests (docs/policy-lab.md): one row per back-test requested
 * through `POST /policy/backtests`, written by its workflow
 * (workflows/policy-backtest.workflow.ts) as it runs. The row holds what the run needs
 * to read again after a restart: the policies of the pass (the one in force and the
 * candidates, each resolved, under its label), the period and the sweep; and what it
 * has done so far: the accounts read (the keyset cursor `after_account_id` and the
 * pages recorded, so a page recorded twice counts once), the events read, and the
 * running tally. When it is done, the report.
 */
export class PolicyBacktests1797483600000 implements MigrationInterface {
  name = 'PolicyBacktests1797483600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policy_backtests (
        id                      text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        requested_by            text NOT NULL,
        requested_at            timestamptz NOT NULL,
        policies                jsonb NOT NULL CHECK (jsonb_typeof(policies) = 'object'),
        current_policy_version  text NOT NULL,
        period_from             date NOT NULL,
        period_to               date NOT NULL,
        sweep                   jsonb NULL,
        status                  text NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
        accounts_done           integer NOT NULL DEFAULT 0 CHECK (accounts_done >= 0),
        accounts_total          integer NULL CHECK (accounts_total >= 0),
        events_read             bigint NOT NULL DEFAULT 0 CHECK (events_read >= 0),
        pages_done              integer NOT NULL DEFAULT 0 CHECK (pages_done >= 0),
        after_account_id        text NULL,
        tally                   jsonb NULL,
        report                  jsonb NULL,
        error                   text NULL,
        updated_at              timestamptz NOT NULL,
        CONSTRAINT policy_backtests_period CHECK (period_from <= period_to)
      )`);
    await q.query(`CREATE INDEX policy_backtests_requested_idx ON policy_backtests (requested_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_backtests`);
  }
}
