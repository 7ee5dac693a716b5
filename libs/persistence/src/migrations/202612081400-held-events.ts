import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events for an account Retain does not know yet (docs/rulebook.md, "Events for an
 * account not known yet"; docs/decisions/0006-held-events.md): the inbox keeps them as
 * held (`held_at`) instead of the api refusing them, and releases them (`released_at`)
 * when the account's row is inserted, whoever inserts it, by a trigger in that same
 * transaction; a held event that waited too long, or beyond its source's share, is
 * expired (`expired_at`, `expiry_reason`) and never delivered.
 *
 * - The relay's index covers only deliverable rows (never held ones), so held events
 *   cost its passes nothing and never stand in another account's way.
 * - The trigger takes the transaction-scoped advisory lock (1381256776, hashtext(account
 *   id)) that the api takes before it decides to hold an event for that account, so an
 *   event is either stored knowing the account or stored held before the account's
 *   insert looks for held events (libs/persistence events/inbound-events.sql.ts#HOLD_LOCK).
 * - `held_at` is whole milliseconds, the precision of the held list's cursor.
 */
export class HeldEvents1796738400000 implements MigrationInterface {
  name = 'HeldEvents1796738400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inbound_events
        ADD COLUMN held_at timestamptz NULL,
        ADD COLUMN released_at timestamptz NULL,
        ADD COLUMN expired_at timestamptz NULL,
        ADD COLUMN expiry_reason text NULL,
        ADD CONSTRAINT inbound_events_hold_states CHECK (
          (held_at IS NOT NULL OR (released_at IS NULL AND expired_at IS NULL))
          AND (released_at IS NULL OR expired_at IS NULL)
          AND ((expired_at IS NULL) = (expiry_reason IS NULL))
          AND (expiry_reason IS NULL OR expiry_reason IN ('lifetime', 'capacity'))
          AND (held_at IS NULL OR released_at IS NOT NULL OR delivered_at IS NULL)
        )`);
    await q.query(`DROP INDEX inbound_events_undelivered_idx`);
    await q.query(
      `CREATE INDEX inbound_events_deliverable_idx ON inbound_events (received_at)
        WHERE delivered_at IS NULL AND (held_at IS NULL OR released_at IS NOT NULL)`,
    );
    // The held list (every state), newest first by keyset.
    await q.query(
      `CREATE INDEX inbound_events_held_list_idx ON inbound_events (held_at, source, event_id) WHERE held_at IS NOT NULL`,
    );
    // Events still held: a source's share (oldest beyond it expire) and the lifetime sweep.
    await q.query(
      `CREATE INDEX inbound_events_holding_idx ON inbound_events (source, held_at, event_id)
        WHERE held_at IS NOT NULL AND released_at IS NULL AND expired_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX inbound_events_holding_age_idx ON inbound_events (held_at)
        WHERE held_at IS NOT NULL AND released_at IS NULL AND expired_at IS NULL`,
    );
    await q.query(`
      CREATE FUNCTION inbound_events_release_held() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(1381256776, hashtext(NEW.id));
        UPDATE inbound_events SET released_at = now()
         WHERE account_id = NEW.id AND held_at IS NOT NULL AND released_at IS NULL AND expired_at IS NULL;
        IF FOUND THEN
          PERFORM pg_notify('retain_inbox', '');
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER accounts_release_held_events AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION inbound_events_release_held()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER accounts_release_held_events ON accounts`);
    await q.query(`DROP FUNCTION inbound_events_release_held()`);
    await q.query(`DROP INDEX inbound_events_holding_age_idx`);
    await q.query(`DROP INDEX inbound_events_holding_idx`);
    await q.query(`DROP INDEX inbound_events_held_list_idx`);
    await q.query(`DROP INDEX inbound_events_deliverable_idx`);
    // Events still held had been refused before this migration: they go with it.
    await q.query(`DELETE FROM inbound_events WHERE held_at IS NOT NULL AND released_at IS NULL`);
    await q.query(
      `CREATE INDEX inbound_events_undelivered_idx ON inbound_events (received_at) WHERE delivered_at IS NULL`,
    );
    await q.query(`
      ALTER TABLE inbound_events
        DROP CONSTRAINT inbound_events_hold_states,
        DROP COLUMN expiry_reason,
        DROP COLUMN expired_at,
        DROP COLUMN released_at,
        DROP COLUMN held_at`);
  }
}
