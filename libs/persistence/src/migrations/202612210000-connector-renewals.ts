import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Connectors acting on renewals (docs/decisions/0012-connectors-act-on-renewals.md):
 * - `connector_secrets.scopes`: what a vendor event verified by the secret may do:
 *   `signals` (every secret so far, the default) and `renewals` (launch, reschedule and
 *   record the decision of the account's renewal, with the mapping's opt-in);
 * - `connector_events.state` `applied`: a vendor event that became a command on a
 *   renewal (it puts nothing into the inbox, so it has no inbox event ids);
 * - `connector_events.renewal_id`: the renewal such a command launched or acted on, so
 *   the opportunity's later events find it whatever its date is now.
 */
export class ConnectorRenewals1797811200000 implements MigrationInterface {
  name = 'ConnectorRenewals1797811200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE connector_secrets ADD COLUMN scopes text[] NOT NULL DEFAULT '{signals}'
         CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['signals','renewals']::text[])`,
    );
    await q.query(`ALTER TABLE connector_events DROP CONSTRAINT connector_events_state_check`);
    await q.query(
      `ALTER TABLE connector_events ADD CONSTRAINT connector_events_state_check
         CHECK (state IN ('mapped','held','ignored','refused','applied'))`,
    );
    await q.query(
      `ALTER TABLE connector_events ADD COLUMN renewal_id text NULL CHECK (renewal_id IS NULL OR length(renewal_id) BETWEEN 1 AND 300)`,
    );
    await q.query(
      `CREATE INDEX connector_events_renewal_idx ON connector_events (connector, object_key, received_at DESC) WHERE renewal_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX connector_events_renewal_idx`);
    await q.query(`ALTER TABLE connector_events DROP COLUMN renewal_id`);
    await q.query(`DELETE FROM connector_events WHERE state = 'applied'`);
    await q.query(`ALTER TABLE connector_events DROP CONSTRAINT connector_events_state_check`);
    await q.query(
      `ALTER TABLE connector_events ADD CONSTRAINT connector_events_state_check CHECK (state IN ('mapped','held','ignored','refused'))`,
    );
    await q.query(`ALTER TABLE connector_secrets DROP COLUMN scopes`);
  }
}
