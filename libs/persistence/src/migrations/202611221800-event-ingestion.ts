import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integration events (docs/rulebook.md §5, docs/decisions/0001-inbox-and-event-relay.md): the signing secrets integrations sign with
 * (Standard Webhooks; several at once during a rotation), and the inbox of accepted
 * events. An event is stored once per (source, event id) in the same transaction that
 * accepts it; the worker's relay delivers undelivered rows to the account's workflow, so
 * a crash between the commit and the delivery loses nothing.
 */
export class EventIngestion1795370400000 implements MigrationInterface {
  name = 'EventIngestion1795370400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integration_signing_secrets (
        id            bigserial PRIMARY KEY,
        principal_id  text NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        secret        text NOT NULL CHECK (secret LIKE 'whsec_%'),
        created_at    timestamptz NOT NULL DEFAULT now(),
        revoked_at    timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX integration_signing_secrets_active_idx ON integration_signing_secrets (principal_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE inbound_events (
        source             text NOT NULL,
        event_id           text NOT NULL,
        principal_id       text NOT NULL,
        account_id         text NOT NULL,
        type               text NOT NULL,
        occurred_at        timestamptz NOT NULL,
        payload            jsonb NOT NULL,
        webhook_id         text NOT NULL,
        received_at        timestamptz NOT NULL DEFAULT now(),
        delivered_at       timestamptz NULL,
        delivery_attempts  integer NOT NULL DEFAULT 0,
        last_error         text NULL,
        PRIMARY KEY (source, event_id)
      )`);
    await q.query(
      `CREATE INDEX inbound_events_undelivered_idx ON inbound_events (received_at) WHERE delivered_at IS NULL`,
    );
    await q.query(`CREATE INDEX inbound_events_account_idx ON inbound_events (account_id, occurred_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_events`);
    await q.query(`DROP TABLE integration_signing_secrets`);
  }
}
