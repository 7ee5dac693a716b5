import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccountsAndRenewals1795349400000 implements MigrationInterface {
  name = 'CreateAccountsAndRenewals1795349400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        name            text NOT NULL,
        arr_cents       bigint NOT NULL CHECK (arr_cents >= 0),
        segment         text NOT NULL CHECK (segment IN ('enterprise','mid_market','smb')),
        time_zone       text NOT NULL,
        owner_csm_id    text NOT NULL,
        csm_manager_id  text NULL,
        sales_rep_id    text NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE renewals (
        id                    text PRIMARY KEY,
        account_id            text NOT NULL REFERENCES accounts(id),
        renewal_date          date NOT NULL,
        status                text NOT NULL CHECK (status IN ('active','closed','cancelled')),
        phase                 text NOT NULL CHECK (phase IN ('scheduled','assessment','preparation','engagement','closing','renewal_day','post_renewal')),
        time_band             text NOT NULL CHECK (time_band IN ('comprehensive','compressed','emergency')),
        risk_category         text NULL CHECK (risk_category IN ('green','yellow','red','expansion')),
        arr_cents             bigint NOT NULL CHECK (arr_cents >= 0),
        segment               text NOT NULL CHECK (segment IN ('enterprise','mid_market','smb')),
        owner_csm_id          text NOT NULL,
        next_milestone_phase  text NULL,
        next_milestone_at     timestamptz NULL,
        policy_version        text NOT NULL,
        revision              integer NOT NULL CHECK (revision >= 0),
        started_at            timestamptz NOT NULL,
        updated_at            timestamptz NOT NULL,
        CONSTRAINT renewals_one_per_account_date UNIQUE (account_id, renewal_date)
      )`);
    // Keyset pagination orders by (renewal_date, id); the filtered lists managers use
    // most lead with their filter column.
    await q.query(`CREATE INDEX renewals_date_id_idx ON renewals (renewal_date, id)`);
    await q.query(`CREATE INDEX renewals_phase_date_id_idx ON renewals (phase, renewal_date, id)`);
    await q.query(`CREATE INDEX renewals_owner_date_id_idx ON renewals (owner_csm_id, renewal_date, id)`);
    await q.query(`CREATE INDEX renewals_risk_date_id_idx ON renewals (risk_category, renewal_date, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE renewals`);
    await q.query(`DROP TABLE accounts`);
  }
}
