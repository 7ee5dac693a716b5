import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  ALERT_ACCOUNT_CHANGED_V1,
  ALERT_CHANGED_V1,
  ALERT_ROLLUP_REBUILD_V1,
  ALERT_VERDICT_BEFORE_V1,
} from './202612170100-metrics-alert-rollups';

/**
 * `alerts.metrics_segment`: the segment of the alert's account as the alert rollups count it,
 * NULL while the account is not written (such an alert counts nowhere: docs/metrics.md,
 * "Rollups"). The two reads of raw alerts that finish `GET /metrics/alerts` (the open alerts
 * not yet due, and the alerts of the day the outcome window's boundary falls in) read it from
 * the alert instead of joining every alert to its account, and the indexes they scan carry
 * every column they read, so both are index-only scans (bench/README.md, "Alerts without the
 * join").
 *
 * - The BEFORE trigger sets it when an alert is written or moves to another account.
 * - A change of an account (written, segment changed, deleted) sets it on the account's alerts;
 *   the alerts' own row trigger then moves their contributions between segments, as it does
 *   for any other change of an alert. The accounts trigger no longer writes rollup rows itself:
 *   one path for every change.
 * - The rebuild sets it for every alert before it sums them, and sums by it.
 */
export class AlertMetricsSegment1797552000000 implements MigrationInterface {
  name = 'AlertMetricsSegment1797552000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts ADD COLUMN metrics_segment text NULL`);
    await q.query(`
      CREATE OR REPLACE FUNCTION metrics_alert_verdict_before() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NEW; END IF;
        IF TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id OR NEW.triggered_at IS DISTINCT FROM OLD.triggered_at THEN
          PERFORM metrics_alert_lock(NEW.account_id);
          NEW.metrics_real_risk := metrics_alert_real_risk(NEW.account_id, NEW.triggered_at, metrics_alert_rollup_window());
        END IF;
        IF TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
          NEW.metrics_segment := (SELECT a.segment FROM accounts a WHERE a.id = NEW.account_id);
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION metrics_alert_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE deltas jsonb := '[]'::jsonb;
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_lock(OLD.account_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_lock(NEW.account_id); END IF;
        IF TG_OP = 'UPDATE' AND OLD.metrics_segment IS NOT DISTINCT FROM NEW.metrics_segment
           AND OLD.triggered_at = NEW.triggered_at AND OLD.rule_id = NEW.rule_id AND OLD.severity = NEW.severity
           AND OLD.respond_by = NEW.respond_by AND (OLD.escalation_level > 0) = (NEW.escalation_level > 0)
           AND OLD.metrics_real_risk = NEW.metrics_real_risk
           AND (OLD.data->>'acknowledgedAt') IS NOT DISTINCT FROM (NEW.data->>'acknowledgedAt')
           AND (OLD.data->>'resolvedAt') IS NOT DISTINCT FROM (NEW.data->>'resolvedAt') THEN
          NULL; -- the same contribution
        ELSE
          -- An alert whose account is not (yet) written (no segment) counts nowhere, as the plain read joins the accounts.
          IF TG_OP <> 'INSERT' AND OLD.metrics_segment IS NOT NULL THEN
            deltas := deltas || jsonb_build_object('alert', to_jsonb(OLD), 'segment', OLD.metrics_segment, 'sign', -1);
          END IF;
          IF TG_OP <> 'DELETE' AND NEW.metrics_segment IS NOT NULL THEN
            deltas := deltas || jsonb_build_object('alert', to_jsonb(NEW), 'segment', NEW.metrics_segment, 'sign', 1);
          END IF;
          IF jsonb_array_length(deltas) > 0 THEN PERFORM metrics_alert_rollup_add(deltas); END IF;
        END IF;
        IF TG_OP <> 'UPDATE' OR OLD.account_id <> NEW.account_id OR OLD.triggered_at <> NEW.triggered_at
           OR OLD.rule_id <> NEW.rule_id OR OLD.severity <> NEW.severity THEN
          IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_churn_refresh_account(OLD.account_id); END IF;
          IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.account_id <> OLD.account_id) THEN
            PERFORM metrics_alert_churn_refresh_account(NEW.account_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    // An account's segment reaches its alerts; their row trigger moves their contributions.
    await q.query(`
      CREATE OR REPLACE FUNCTION metrics_alert_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP = 'UPDATE' AND OLD.id = NEW.id AND OLD.segment IS NOT DISTINCT FROM NEW.segment THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.id <> NEW.id) THEN
          UPDATE alerts SET metrics_segment = NULL WHERE account_id = OLD.id AND metrics_segment IS NOT NULL;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          UPDATE alerts SET metrics_segment = NEW.segment
           WHERE account_id = NEW.id AND metrics_segment IS DISTINCT FROM NEW.segment;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(ALERT_ROLLUP_REBUILD_V2);
    // The two raw reads' indexes, with every column they read (index-only scans; the visibility map of the
    // boundary day's pages, 90 days old, is set by autovacuum; recent open alerts' pages may need heap visits).
    await q.query(`DROP INDEX alerts_triggered_at_idx`);
    await q.query(
      `CREATE INDEX alerts_triggered_at_idx ON alerts (triggered_at)
        INCLUDE (rule_id, severity, metrics_segment, metrics_real_risk)`,
    );
    await q.query(`DROP INDEX alerts_metrics_open_respond_by_idx`);
    await q.query(
      `CREATE INDEX alerts_metrics_open_respond_by_idx ON alerts (respond_by)
        INCLUDE (triggered_at, rule_id, severity, metrics_segment)
        WHERE escalation_level <= 0 AND (data->>'acknowledgedAt') IS NULL AND (data->>'resolvedAt') IS NULL`,
    );
    await q.query(`SELECT metrics_alert_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_metrics_open_respond_by_idx`);
    await q.query(
      `CREATE INDEX alerts_metrics_open_respond_by_idx ON alerts (respond_by)
        WHERE escalation_level <= 0 AND (data->>'acknowledgedAt') IS NULL AND (data->>'resolvedAt') IS NULL`,
    );
    await q.query(`DROP INDEX alerts_triggered_at_idx`);
    await q.query(`CREATE INDEX alerts_triggered_at_idx ON alerts (triggered_at)`);
    for (const sql of [ALERT_VERDICT_BEFORE_V1, ALERT_CHANGED_V1, ALERT_ACCOUNT_CHANGED_V1, ALERT_ROLLUP_REBUILD_V1])
      await q.query(sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(`ALTER TABLE alerts DROP COLUMN metrics_segment`);
    await q.query(`SELECT metrics_alert_rollup_rebuild()`);
  }
}

/** `text` with `from` replaced by `to`, which must be in it (the rebuild is derived from the one it replaces). */
function replaced(text: string, from: string, to: string): string {
  if (!text.includes(from))
    throw new Error(`AlertMetricsSegment: the rebuild it replaces has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/**
 * The rebuild: every alert's segment set from its account first, then the sums by it (no
 * join); the rest as 202612170100 wrote it.
 */
export const ALERT_ROLLUP_REBUILD_V2 = [
  ['CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'],
  [
    'TRUNCATE metrics_alert_rollup,',
    `UPDATE alerts al SET metrics_segment = acc.segment FROM accounts acc
          WHERE acc.id = al.account_id AND al.metrics_segment IS DISTINCT FROM acc.segment;
        UPDATE alerts al SET metrics_segment = NULL
          WHERE al.metrics_segment IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts acc WHERE acc.id = al.account_id);
        TRUNCATE metrics_alert_rollup,`,
  ],
  ['FROM alerts al JOIN accounts acc ON acc.id = al.account_id', 'FROM alerts al'],
  ['metrics_alert_contribution(al, acc.segment) c', 'metrics_alert_contribution(al, al.metrics_segment) c'],
  [
    'CROSS JOIN LATERAL metrics_bucket_starts(c.day) b',
    `CROSS JOIN LATERAL metrics_bucket_starts(c.day) b
                 WHERE al.metrics_segment IS NOT NULL`,
  ],
].reduce((sql, [from, to]) => replaced(sql, from as string, to as string), ALERT_ROLLUP_REBUILD_V1);
