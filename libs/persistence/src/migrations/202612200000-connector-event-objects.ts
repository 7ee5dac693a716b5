import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The vendor object a received event is about (HubSpot, docs/connectors/hubspot.md): a
 * HubSpot event names one object and one changed property, never the object's company,
 * so the connector reads what it received of that object before (its account id, the
 * property's previous value) from the object's earlier events. `object_key` is
 * `<portal>/<object type>/<object id>`; null for vendors whose events carry their own
 * context (Stripe, Zendesk) and for events naming no object.
 */
export class ConnectorEventObjects1797724800000 implements MigrationInterface {
  name = 'ConnectorEventObjects1797724800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE connector_events ADD COLUMN object_key text NULL CHECK (object_key IS NULL OR length(object_key) BETWEEN 1 AND 300)`,
    );
    await q.query(
      `CREATE INDEX connector_events_object_idx ON connector_events (connector, object_key) WHERE object_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX connector_events_object_idx`);
    await q.query(`ALTER TABLE connector_events DROP COLUMN object_key`);
  }
}
