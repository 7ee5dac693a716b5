import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollups of `GET /metrics/renewals` (docs/metrics.md, "Rollups"; docs/decisions/0009-metrics-rollups.md),
 * two tables kept by statement triggers on `renewals` (insert, update, delete: with the statement's
 * old and new rows):
 *
 * - `metrics_renewal_rollup`: the renewals due (not cancelled), by the bucket of their renewal date and
 *   the coarse keys segment, risk category (as recorded; '' unclassified), policy version and outcome
 *   (the decision's; '' undecided): how many, their starting ARR, their ARR after the decision as the
 *   metrics count it (`end_arr_cents`: expanded the larger, downsized the smaller of the new and the
 *   starting ARR, churned 0, any other the starting ARR), and of them the upcoming ones of the forecast
 *   (active and undecided) with their ARR. The renewal metrics and the forecast's upcoming renewals are
 *   sums of these.
 * - `metrics_renewal_decision_rollup`: the decided renewals (not cancelled) by the bucket of their
 *   decision's UTC day and the same keys but the outcome: how many, and how many not churned (the
 *   forecast's history).
 *
 * Every key is the renewal's own column (renewal-metrics.sql.ts reads the segment, the risk category and
 * the policy version from the renewal, never from its account), so no other table's write moves a
 * renewal between keys. One SQL function per table gives a renewal row's contribution, used by the
 * triggers (the new rows' less the old rows': a retried write of the same row nets to zero, and an
 * update of columns the rollups do not hold writes nothing) and by `metrics_renewal_rollup_rebuild()`
 * (the backfill, and the benchmark's rebuild after its trigger-less load). Rows whose counters sum to 0
 * may remain after deletes and key moves; the reads leave them out.
 */

/** A renewal with the customer's decision recorded, as renewal-metrics.sql.ts states it (neither SQL NULL nor JSON null). */
const DECIDED = `COALESCE(r.decision IS NOT NULL AND r.decision <> 'null'::jsonb, false)`;

/**
 * The statements that add to both rollup tables the contributions of the rows of `source` (a query of
 * renewals rows `r`, each with its sign `f`: 1 to add, -1 to take away), summed per key; keys whose
 * sums are all 0 are left alone. The contributions are read behind OFFSET 0: PostgreSQL 15 fails to
 * plan the inlined contribution joined to the inlined metrics_bucket_starts of a computed day
 * ("variable not found in subplan target list").
 */
function addContributions(source: string): string {
  return `
    INSERT INTO metrics_renewal_rollup AS t
      SELECT b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version, c.outcome,
             sum(d.f * c.renewals), sum(d.f * c.arr_cents), sum(d.f * c.end_arr_cents), sum(d.f * c.upcoming),
             sum(d.f * c.upcoming_arr_cents)
        FROM (${source}) d, LATERAL (SELECT * FROM metrics_renewal_contribution(d.r) OFFSET 0) c,
             metrics_bucket_starts(c.day) b
       GROUP BY b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version, c.outcome
      HAVING sum(d.f * c.renewals) <> 0 OR sum(d.f * c.arr_cents) <> 0 OR sum(d.f * c.end_arr_cents) <> 0
          OR sum(d.f * c.upcoming) <> 0 OR sum(d.f * c.upcoming_arr_cents) <> 0
       ORDER BY b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version, c.outcome
    ON CONFLICT (bucket, bucket_start, segment, risk_category, policy_version, outcome) DO UPDATE
      SET renewals = t.renewals + EXCLUDED.renewals, arr_cents = t.arr_cents + EXCLUDED.arr_cents,
          end_arr_cents = t.end_arr_cents + EXCLUDED.end_arr_cents, upcoming = t.upcoming + EXCLUDED.upcoming,
          upcoming_arr_cents = t.upcoming_arr_cents + EXCLUDED.upcoming_arr_cents;
    INSERT INTO metrics_renewal_decision_rollup AS t
      SELECT b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version, sum(d.f * c.decided),
             sum(d.f * c.renewed)
        FROM (${source}) d, LATERAL (SELECT * FROM metrics_renewal_decision_contribution(d.r) OFFSET 0) c,
             metrics_bucket_starts(c.day) b
       GROUP BY b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version
      HAVING sum(d.f * c.decided) <> 0 OR sum(d.f * c.renewed) <> 0
       ORDER BY b.bucket, b.bucket_start, c.segment, c.risk_category, c.policy_version
    ON CONFLICT (bucket, bucket_start, segment, risk_category, policy_version) DO UPDATE
      SET decided = t.decided + EXCLUDED.decided, renewed = t.renewed + EXCLUDED.renewed`;
}

export class MetricsRenewalRollups1797476400000 implements MigrationInterface {
  name = 'MetricsRenewalRollups1797476400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics_renewal_rollup (
        bucket             text NOT NULL CHECK (bucket IN ('day', 'month')),
        bucket_start       date NOT NULL,
        segment            text NOT NULL,
        risk_category      text NOT NULL,
        policy_version     text NOT NULL,
        outcome            text NOT NULL,
        renewals           bigint NOT NULL,
        arr_cents          numeric NOT NULL,
        end_arr_cents      numeric NOT NULL,
        upcoming           bigint NOT NULL,
        upcoming_arr_cents numeric NOT NULL,
        PRIMARY KEY (bucket, bucket_start, segment, risk_category, policy_version, outcome)
      )`);
    await q.query(`
      CREATE TABLE metrics_renewal_decision_rollup (
        bucket         text NOT NULL CHECK (bucket IN ('day', 'month')),
        bucket_start   date NOT NULL,
        segment        text NOT NULL,
        risk_category  text NOT NULL,
        policy_version text NOT NULL,
        decided        bigint NOT NULL,
        renewed        bigint NOT NULL,
        PRIMARY KEY (bucket, bucket_start, segment, risk_category, policy_version)
      )`);
    // A renewal's contribution to metrics_renewal_rollup: none when cancelled. "Decided" as the plain
    // reads state it: a decision that is neither SQL NULL nor JSON null.
    await q.query(`
      CREATE FUNCTION metrics_renewal_contribution(r renewals)
      RETURNS TABLE (day date, segment text, risk_category text, policy_version text, outcome text,
                     renewals bigint, arr_cents numeric, end_arr_cents numeric, upcoming bigint, upcoming_arr_cents numeric)
      LANGUAGE sql STABLE AS $$
        SELECT r.renewal_date, r.segment, COALESCE(r.risk_category, ''), r.policy_version,
               COALESCE(CASE WHEN ${DECIDED} THEN r.decision->>'outcome' END, ''),
               1::bigint, r.arr_cents::numeric,
               CASE CASE WHEN ${DECIDED} THEN r.decision->>'outcome' END
                 WHEN 'expanded' THEN GREATEST(COALESCE((r.decision->>'newArrCents')::numeric, r.arr_cents), r.arr_cents)
                 WHEN 'downsized' THEN LEAST(COALESCE((r.decision->>'newArrCents')::numeric, r.arr_cents), r.arr_cents)
                 WHEN 'churned' THEN 0
                 ELSE r.arr_cents
               END::numeric,
               CASE WHEN r.status = 'active' AND NOT ${DECIDED} THEN 1 ELSE 0 END::bigint,
               CASE WHEN r.status = 'active' AND NOT ${DECIDED} THEN r.arr_cents ELSE 0 END::numeric
         WHERE r.status <> 'cancelled'
      $$`);
    // A renewal's contribution to metrics_renewal_decision_rollup: decided, not cancelled, on its decision's UTC day.
    await q.query(`
      CREATE FUNCTION metrics_renewal_decision_contribution(r renewals)
      RETURNS TABLE (day date, segment text, risk_category text, policy_version text, decided bigint, renewed bigint)
      LANGUAGE sql STABLE AS $$
        SELECT ((r.decision->>'decidedAt')::timestamptz AT TIME ZONE 'UTC')::date, r.segment,
               COALESCE(r.risk_category, ''), r.policy_version, 1::bigint,
               CASE WHEN r.decision->>'outcome' <> 'churned' THEN 1 ELSE 0 END::bigint
         WHERE r.status <> 'cancelled' AND ${DECIDED}
           AND r.decision->>'decidedAt' IS NOT NULL
      $$`);
    // Statement triggers: the deltas of a statement's rows (their new contributions less their old)
    // are summed per key before they touch a rollup row, once per key and statement, in key order (so
    // concurrent writers lock shared keys in the same order). A row trigger touched the same month rows
    // once per renewal, which in one bulk UPDATE of thousands of renewals took seconds.
    await q.query(`
      CREATE FUNCTION metrics_renewal_rollup_trigger() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${addContributions(`SELECT n::renewals AS r, 1 AS f FROM new_rows n`)};
        ELSIF TG_OP = 'UPDATE' THEN
          ${addContributions(`SELECT n::renewals AS r, 1 AS f FROM new_rows n UNION ALL SELECT o::renewals, -1 FROM old_rows o`)};
        ELSE
          ${addContributions(`SELECT o::renewals AS r, -1 AS f FROM old_rows o`)};
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER metrics_renewal_rollup_insert AFTER INSERT ON renewals REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION metrics_renewal_rollup_trigger()`);
    await q.query(`
      CREATE TRIGGER metrics_renewal_rollup_update AFTER UPDATE ON renewals
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION metrics_renewal_rollup_trigger()`);
    await q.query(`
      CREATE TRIGGER metrics_renewal_rollup_delete AFTER DELETE ON renewals REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION metrics_renewal_rollup_trigger()`);
    await q.query(`
      CREATE FUNCTION metrics_renewal_rollup_rebuild() RETURNS void
      LANGUAGE sql AS $$
        TRUNCATE metrics_renewal_rollup, metrics_renewal_decision_rollup;
        ${addContributions(`SELECT r, 1 AS f FROM renewals r`)};
      $$`);
    await q.query(`SELECT metrics_renewal_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER metrics_renewal_rollup_delete ON renewals`);
    await q.query(`DROP TRIGGER metrics_renewal_rollup_update ON renewals`);
    await q.query(`DROP TRIGGER metrics_renewal_rollup_insert ON renewals`);
    await q.query(`DROP FUNCTION metrics_renewal_rollup_rebuild()`);
    await q.query(`DROP FUNCTION metrics_renewal_rollup_trigger()`);
    await q.query(`DROP FUNCTION metrics_renewal_decision_contribution(renewals)`);
    await q.query(`DROP FUNCTION metrics_renewal_contribution(renewals)`);
    await q.query(`DROP TABLE metrics_renewal_decision_rollup`);
    await q.query(`DROP TABLE metrics_renewal_rollup`);
  }
}
