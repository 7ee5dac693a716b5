import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What every metrics rollup table shares (docs/decisions/0009-metrics-rollups.md): the
 * buckets a date is counted in (its day and its month, UTC), and jsonb histograms of
 * whole-unit values (value → count) for the medians, summed by `metrics_histogram_sum`
 * (a delta's counts may be negative; values whose count sums to 0 are dropped) and by the
 * aggregate `metrics_histogram_agg` (a backfill's GROUP BY). The rollup tables, their
 * triggers and their backfills come in the migrations after this one.
 */
export class MetricsRollupSupport1797465600000 implements MigrationInterface {
  name = 'MetricsRollupSupport1797465600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION metrics_histogram_sum(a jsonb, b jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(jsonb_object_agg(k, n) FILTER (WHERE n <> 0), '{}'::jsonb)
          FROM (SELECT k, sum(v::bigint) AS n
                  FROM (SELECT * FROM jsonb_each_text(COALESCE(a, '{}'::jsonb))
                        UNION ALL SELECT * FROM jsonb_each_text(COALESCE(b, '{}'::jsonb))) e(k, v)
                 GROUP BY k) s
      $$`);
    await q.query(`
      CREATE AGGREGATE metrics_histogram_agg(jsonb) (
        SFUNC = metrics_histogram_sum, STYPE = jsonb, INITCOND = '{}', PARALLEL = SAFE
      )`);
    await q.query(`
      CREATE FUNCTION metrics_bucket_starts(d date) RETURNS TABLE (bucket text, bucket_start date)
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT 'day', d UNION ALL SELECT 'month', date_trunc('month', d)::date
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION metrics_bucket_starts(date)`);
    await q.query(`DROP AGGREGATE metrics_histogram_agg(jsonb)`);
    await q.query(`DROP FUNCTION metrics_histogram_sum(jsonb, jsonb)`);
  }
}
