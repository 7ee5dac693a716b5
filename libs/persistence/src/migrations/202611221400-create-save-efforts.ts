import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Read model of save efforts: the managers' list columns plus the whole state. */
export class CreateSaveEfforts1795356000000 implements MigrationInterface {
  name = 'CreateSaveEfforts1795356000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE save_efforts (
        id                    text PRIMARY KEY,
        renewal_id            text NOT NULL,
        account_id            text NOT NULL REFERENCES accounts(id),
        renewal_date          date NOT NULL,
        status                text NOT NULL CHECK (status IN ('active','saved','lost','exited')),
        effort_level          text NOT NULL CHECK (effort_level IN ('full','standard','light','none')),
        probability_tier      text NOT NULL CHECK (probability_tier IN ('high','medium','low')),
        value_tier            text NOT NULL CHECK (value_tier IN ('high','medium','low')),
        time_band             text NOT NULL CHECK (time_band IN ('comprehensive','compressed','emergency')),
        deadline              timestamptz NULL,
        arr_cents             bigint NOT NULL CHECK (arr_cents >= 0),
        segment               text NOT NULL,
        owner_csm_id          text NOT NULL,
        csm_manager_id        text NULL,
        overdue_items         integer NOT NULL DEFAULT 0,
        expected_value_hours  numeric(8,1) NOT NULL,
        state                 jsonb NOT NULL,
        revision              integer NOT NULL,
        started_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        -- One save per renewal: its id is the renewal's business key.
        CONSTRAINT save_efforts_one_per_renewal UNIQUE (renewal_id)
      )`);
    // The managers' list: by status, sorted by ARR at risk or by deadline.
    await q.query(`CREATE INDEX save_efforts_status_arr_idx ON save_efforts (status, arr_cents DESC, id)`);
    await q.query(`CREATE INDEX save_efforts_status_deadline_idx ON save_efforts (status, deadline, id)`);
    await q.query(`CREATE INDEX save_efforts_manager_idx ON save_efforts (csm_manager_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE save_efforts`);
  }
}
