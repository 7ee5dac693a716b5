import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Vendor connectors (issue 21, docs/connectors/README.md): the secrets each connector's
 * vendor signs its webhooks with (several active at once during a rotation, each bound
 * to the integration principal whose events it produces), and every vendor event a
 * connector received, once per (connector, vendor event id): what it became (`mapped`
 * into the inbox, `held` there for an account Retain does not know yet, `ignored` as a
 * type the mapping does not turn into a signal, `refused` when the mapping could not
 * read it), its raw payload, and the inbox event ids it became.
 */
export class Connectors1797638400000 implements MigrationInterface {
  name = 'Connectors1797638400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_secrets (
        id            bigserial PRIMARY KEY,
        connector     text NOT NULL CHECK (connector ~ '^[a-z][a-z0-9_]{0,31}$'),
        principal_id  text NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        secret        text NOT NULL CHECK (length(secret) BETWEEN 16 AND 1000),
        created_at    timestamptz NOT NULL DEFAULT now(),
        revoked_at    timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX connector_secrets_active_idx ON connector_secrets (connector, id DESC) WHERE revoked_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE connector_events (
        connector         text NOT NULL,
        vendor_event_id   text NOT NULL CHECK (length(vendor_event_id) BETWEEN 1 AND 300),
        principal_id      text NOT NULL REFERENCES principals(id),
        vendor_type       text NOT NULL,
        state             text NOT NULL CHECK (state IN ('mapped','held','ignored','refused')),
        reason            text NULL,
        account_id        text NULL,
        occurred_at       timestamptz NULL,
        raw_payload       jsonb NOT NULL,
        received_at       timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        inbox_event_ids   text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (connector, vendor_event_id),
        CHECK ((state IN ('mapped','held')) = (cardinality(inbox_event_ids) > 0))
      )`);
    // GET /connectors/{name}/events: newest first, by state, keyset (received_at, vendor_event_id).
    await q.query(
      `CREATE INDEX connector_events_list_idx ON connector_events (connector, state, received_at DESC, vendor_event_id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connector_events`);
    await q.query(`DROP TABLE connector_secrets`);
  }
}
