import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALERT_ROLLUP_ADD_V1, CHURN_FACT_ADD_V1 } from './202612170100-metrics-alert-rollups';
import { ALERT_ROLLUP_REBUILD_V2 } from './202612180000-alert-metrics-segment';

/**
 * Year buckets in the two alert rollups (`metrics_alert_rollup`, `metrics_alert_churn_rollup`):
 * besides its day and its month (UTC), an alert and a churn now count in the bucket of their
 * year, so `GET /metrics/alerts` reads the 12 months to today as this year less the days of
 * it after today, and last year's last month less its days before the period: about five
 * rows per key instead of fourteen, and as many fewer histograms to send, parse and merge
 * (libs/domain/src/metrics/alert-metrics-rollup.ts#signedRollupBucketRanges with `years`;
 * bench/README.md, "Year buckets"). The other rollups keep day and month buckets: their
 * routes meet the target without them, and the programme rollup recomputes whole buckets.
 *
 * The cost is on the write path: an alert's change updates three bucket rows per segment
 * instead of two (under its segment and '*': six instead of four). A year row is no hotter
 * than a month row: the alerts written now hit this month's row and this year's alike.
 *
 * The year rows are backfilled from the month rows (a month bucket holds exactly its days,
 * so a year's is the sum of its twelve). The rebuild writes them like any other bucket.
 */
export class AlertRollupYears1797984000000 implements MigrationInterface {
  name = 'AlertRollupYears1797984000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION metrics_alert_bucket_starts(d date) RETURNS TABLE (bucket text, bucket_start date)
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT 'day', d UNION ALL SELECT 'month', date_trunc('month', d)::date
        UNION ALL SELECT 'year', date_trunc('year', d)::date
      $$`);
    for (const sql of [ALERT_ROLLUP_ADD_V1, CHURN_FACT_ADD_V1, ALERT_ROLLUP_REBUILD_V2])
      await q.query(withYears(sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')));
    await q.query(`
      INSERT INTO metrics_alert_rollup (bucket, bucket_start, rule_id, severity, segment, alerts, acknowledged, ack_hours,
                                        sla_final, sla_open, real_risk)
      SELECT 'year', date_trunc('year', bucket_start)::date, rule_id, severity, segment, sum(alerts), sum(acknowledged),
             metrics_histogram_agg(ack_hours), sum(sla_final), sum(sla_open), sum(real_risk)
        FROM metrics_alert_rollup WHERE bucket = 'month'
       GROUP BY 2, 3, 4, 5`);
    await q.query(`
      INSERT INTO metrics_alert_churn_rollup (bucket, bucket_start, segment, rule_id, severity, churns, lead_days)
      SELECT 'year', date_trunc('year', bucket_start)::date, segment, rule_id, severity, sum(churns),
             metrics_histogram_agg(lead_days)
        FROM metrics_alert_churn_rollup WHERE bucket = 'month'
       GROUP BY 2, 3, 4, 5`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of [ALERT_ROLLUP_ADD_V1, CHURN_FACT_ADD_V1, ALERT_ROLLUP_REBUILD_V2])
      await q.query(sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await q.query(`DELETE FROM metrics_alert_rollup WHERE bucket = 'year'`);
    await q.query(`DELETE FROM metrics_alert_churn_rollup WHERE bucket = 'year'`);
    await q.query(`DROP FUNCTION metrics_alert_bucket_starts(date)`);
  }
}

/** A function of the alert rollups with every bucket it writes taken from metrics_alert_bucket_starts (which must be named in it). */
function withYears(sql: string): string {
  if (!sql.includes('metrics_bucket_starts('))
    throw new Error('AlertRollupYears: a function it replaces names no metrics_bucket_starts');
  return sql.replaceAll('metrics_bucket_starts(', 'metrics_alert_bucket_starts(');
}
