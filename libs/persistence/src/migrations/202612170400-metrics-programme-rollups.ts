import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollup of GET /metrics/programme (docs/metrics.md, "Rollups"; docs/decisions/0009-metrics-rollups.md),
 * kept by triggers in the writers' transactions:
 *
 * - `metrics_programme_rollup`: per day and per month (UTC) and segment, the tallies of
 *   libs/domain/src/metrics/programme-metrics.ts#programmeTallies: the renewals started
 *   and ended (a group's renewals that ran), the turns to risk by their at-risk day (a
 *   histogram of whole days), the renewals first warned by that day (and acted on, a
 *   histogram of whole days to the intervention), the churns by their decision day (and
 *   a histogram of completed months of tenure), the saves by their outcome's day (counts,
 *   ARR kept, effort in hundredths of an hour). The segment is the renewal's and the
 *   save's own.
 * - `metrics_programme_renewal_contributions`: what each renewal adds to it now, so a
 *   change to anything it depends on (the renewal, its account's alerts while it ran, its
 *   save's start, its account's customer-since date) takes the old contribution away and
 *   adds the one `metrics_programme_renewal_contribution` gives from the tables as they
 *   are (metrics_programme_renewal_refresh). A retried write nets to zero.
 * - `metrics_programme_account_health` and `metrics_programme_health_rollup`: every
 *   account's latest health score now and its segment, and how many accounts each
 *   (segment, score's ceiling) has ('' for none; the band bounds are whole numbers): the health-score distribution is a state, and
 *   the read puts right the few accounts whose latest score was observed after the
 *   period's end (an index on the scored observations' time).
 *
 * `metrics_programme_rollup_rebuild()` computes all of it again from the tables with the
 * same contribution functions (the backfill at the end of this migration, the benchmark's).
 */
export class MetricsProgrammeRollups1797480000000 implements MigrationInterface {
  name = 'MetricsProgrammeRollups1797480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE metrics_programme_rollup (
        bucket                text NOT NULL CHECK (bucket IN ('day', 'month')),
        bucket_start          date NOT NULL,
        segment               text NOT NULL,
        renewals_started      bigint NOT NULL DEFAULT 0,
        renewals_ended        bigint NOT NULL DEFAULT 0,
        days_to_risk          jsonb NOT NULL DEFAULT '{}',
        warned                bigint NOT NULL DEFAULT 0,
        acted_on              bigint NOT NULL DEFAULT 0,
        days_to_intervention  jsonb NOT NULL DEFAULT '{}',
        churns                bigint NOT NULL DEFAULT 0,
        churns_with_tenure    bigint NOT NULL DEFAULT 0,
        tenure_months         jsonb NOT NULL DEFAULT '{}',
        saves_attempted       bigint NOT NULL DEFAULT 0,
        saves_saved           bigint NOT NULL DEFAULT 0,
        high_risk_saves       bigint NOT NULL DEFAULT 0,
        high_risk_saved       bigint NOT NULL DEFAULT 0,
        kept_arr_cents        numeric NOT NULL DEFAULT 0,
        effort_hundredths     bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (bucket, bucket_start, segment)
      )`);
    await q.query(`
      CREATE TABLE metrics_programme_renewal_contributions (
        renewal_id            text NOT NULL,
        day                   date NOT NULL,
        segment               text NOT NULL,
        renewals_started      bigint NOT NULL,
        renewals_ended        bigint NOT NULL,
        days_to_risk          jsonb NOT NULL,
        warned                bigint NOT NULL,
        acted_on              bigint NOT NULL,
        days_to_intervention  jsonb NOT NULL,
        churns                bigint NOT NULL,
        churns_with_tenure    bigint NOT NULL,
        tenure_months         jsonb NOT NULL,
        PRIMARY KEY (renewal_id, day)
      )`);
    await q.query(`
      CREATE TABLE metrics_programme_account_health (
        account_id    text PRIMARY KEY,
        segment       text NOT NULL,
        health_score  text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE metrics_programme_health_rollup (
        segment       text NOT NULL,
        health_score  text NOT NULL,
        accounts      bigint NOT NULL,
        PRIMARY KEY (segment, health_score)
      )`);
    await q.query(
      `CREATE INDEX account_health_observations_scored_at_idx ON account_health_observations (observed_at) WHERE health_score IS NOT NULL`,
    );

    // The health rollup counts a score at its ceiling: the policy's band bounds are whole
    // numbers (metrics.policy.ts), so a score is in a band exactly when its ceiling is.
    await q.query(`
      CREATE FUNCTION metrics_programme_health_key(score text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN score = '' THEN '' ELSE ceil(score::numeric)::text END
      $$`);
    await q.query(`
      CREATE FUNCTION metrics_programme_histogram_scale(h jsonb, k integer) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(jsonb_object_agg(e.key, e.value::bigint * k) FILTER (WHERE e.value::bigint * k <> 0), '{}'::jsonb)
          FROM jsonb_each_text(h) e
      $$`);

    // A renewal's contribution, per UTC day: what programmeTallies counts of it (the same rules:
    // turns and at-risk warnings inside its run, a churn not before its start).
    await q.query(`
      CREATE FUNCTION metrics_programme_renewal_contribution(rid text)
      RETURNS TABLE (day date, segment text, renewals_started bigint, renewals_ended bigint, days_to_risk jsonb,
                     warned bigint, acted_on bigint, days_to_intervention jsonb, churns bigint, churns_with_tenure bigint,
                     tenure_months jsonb)
      LANGUAGE sql STABLE AS $$
        WITH r AS (
          SELECT r.id, r.account_id, r.segment, r.started_at,
                 COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz) AS ended_at,
                 r.decision->>'outcome' AS outcome, (r.decision->>'decidedAt')::timestamptz AS decided_at,
                 CASE WHEN jsonb_typeof(r.classification_history) = 'array' THEN r.classification_history ELSE '[]'::jsonb END AS history,
                 acc.customer_since
            FROM renewals r LEFT JOIN accounts acc ON acc.id = r.account_id
           WHERE r.id = rid
        ),
        changes AS (
          SELECT (c.v->>'at')::timestamptz AS at, c.v->>'category' AS category, c.n
            FROM r, jsonb_array_elements(r.history) WITH ORDINALITY c(v, n)
        ),
        -- a stretch: the changes after an at-risk change up to the next one (turnsToRisk)
        stretches AS (
          SELECT at, category,
                 count(*) FILTER (WHERE category IN ('yellow', 'red'))
                   OVER (ORDER BY at, n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS stretch
            FROM changes
        ),
        turns AS (
          SELECT min(at) FILTER (WHERE category IN ('green', 'expansion')) AS healthy_at,
                 min(at) FILTER (WHERE category IN ('yellow', 'red')) AS at_risk_at
            FROM stretches GROUP BY stretch
        ),
        acts AS (
          SELECT al.triggered_at, (al.data->>'acknowledgedAt')::timestamptz AS acknowledged_at,
                 (SELECT min((t->>'completedAt')::timestamptz)
                    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(al.data->'tasks') = 'array' THEN al.data->'tasks' ELSE '[]'::jsonb END) t
                   WHERE t->>'state' = 'done') AS first_task_done_at
            FROM r JOIN alerts al ON al.account_id = r.account_id AND al.triggered_at >= r.started_at
             AND (r.ended_at IS NULL OR al.triggered_at <= r.ended_at)
        ),
        warning AS (
          SELECT min(x.at) AS warned_at
            FROM (SELECT triggered_at AS at FROM acts
                  UNION ALL
                  SELECT c.at FROM changes c, r
                   WHERE c.category IN ('yellow', 'red') AND c.at >= r.started_at AND (r.ended_at IS NULL OR c.at <= r.ended_at)) x
        ),
        intervention AS (
          SELECT min(x.at) AS intervened_at
            FROM warning w,
                 (SELECT s.started_at AS at FROM save_efforts s, r WHERE s.renewal_id = r.id
                  UNION ALL SELECT acknowledged_at FROM acts
                  UNION ALL SELECT first_task_done_at FROM acts) x
           WHERE x.at >= w.warned_at
        ),
        parts AS (
          SELECT (r.started_at AT TIME ZONE 'UTC')::date AS day, 1 AS started, 0 AS ended, '{}'::jsonb AS risk,
                 0 AS warned, 0 AS acted, '{}'::jsonb AS intervention, 0 AS churns, 0 AS with_tenure, '{}'::jsonb AS tenure
            FROM r
          UNION ALL
          -- an end recorded before the start counts at the start (programme-metrics.sql.ts#ranInPeriod)
          SELECT (GREATEST(r.ended_at, r.started_at) AT TIME ZONE 'UTC')::date, 0, 1, '{}', 0, 0, '{}', 0, 0, '{}'
            FROM r WHERE r.ended_at IS NOT NULL
          UNION ALL
          SELECT (t.at_risk_at AT TIME ZONE 'UTC')::date, 0, 0,
                 jsonb_build_object(floor((extract(epoch FROM t.at_risk_at) - extract(epoch FROM t.healthy_at)) / 86400)::bigint::text, 1),
                 0, 0, '{}', 0, 0, '{}'
            FROM turns t, r
           WHERE t.healthy_at IS NOT NULL AND t.at_risk_at IS NOT NULL
             AND t.at_risk_at >= r.started_at AND (r.ended_at IS NULL OR t.at_risk_at <= r.ended_at)
          UNION ALL
          SELECT (w.warned_at AT TIME ZONE 'UTC')::date, 0, 0, '{}', 1, (i.intervened_at IS NOT NULL)::int,
                 CASE WHEN i.intervened_at IS NULL THEN '{}'::jsonb
                      ELSE jsonb_build_object(floor((extract(epoch FROM i.intervened_at) - extract(epoch FROM w.warned_at)) / 86400)::bigint::text, 1) END,
                 0, 0, '{}'
            FROM warning w, intervention i WHERE w.warned_at IS NOT NULL
          UNION ALL
          SELECT (r.decided_at AT TIME ZONE 'UTC')::date, 0, 0, '{}', 0, 0, '{}', 1, (m.months IS NOT NULL)::int,
                 CASE WHEN m.months IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(m.months::text, 1) END
            FROM r CROSS JOIN LATERAL (
                   SELECT d.until, CASE WHEN r.customer_since IS NOT NULL AND r.customer_since <= d.until THEN
                            ((extract(year FROM d.until) - extract(year FROM r.customer_since)) * 12
                             + (extract(month FROM d.until) - extract(month FROM r.customer_since))
                             - CASE WHEN extract(day FROM d.until) < extract(day FROM r.customer_since) THEN 1 ELSE 0 END)::bigint
                          END AS months
                     FROM (SELECT (r.decided_at AT TIME ZONE 'UTC')::date AS until) d) m
           WHERE r.outcome = 'churned' AND r.decided_at IS NOT NULL AND r.decided_at >= r.started_at
        )
        SELECT p.day, (SELECT r.segment FROM r), sum(p.started)::bigint, sum(p.ended)::bigint, metrics_histogram_agg(p.risk),
               sum(p.warned)::bigint, sum(p.acted)::bigint, metrics_histogram_agg(p.intervention), sum(p.churns)::bigint,
               sum(p.with_tenure)::bigint, metrics_histogram_agg(p.tenure)
          FROM parts p GROUP BY p.day
      $$`);

    // A save's contribution (its own columns): on its outcome's day, when it has an outcome.
    await q.query(`
      CREATE FUNCTION metrics_programme_save_contribution(s save_efforts)
      RETURNS TABLE (day date, segment text, saves_attempted bigint, saves_saved bigint, high_risk_saves bigint,
                     high_risk_saved bigint, kept_arr_cents numeric, effort_hundredths bigint)
      LANGUAGE sql IMMUTABLE AS $$
        SELECT (s.outcome_at AT TIME ZONE 'UTC')::date, s.segment, 1::bigint, (s.outcome_result = 'saved')::int::bigint,
               COALESCE(s.risk_category_at_start = 'red', false)::int::bigint,
               (COALESCE(s.risk_category_at_start = 'red', false) AND s.outcome_result = 'saved')::int::bigint,
               -- arrAfterSave: the new ARR of a reduced scope or partner transition that names one
               CASE WHEN s.outcome_result <> 'saved' THEN 0
                    WHEN s.outcome_kind IN ('reduced_scope', 'partner_transition')
                         AND COALESCE((s.state->'outcome'->>'newArrCents')::numeric, 0) <> 0
                    THEN (s.state->'outcome'->>'newArrCents')::numeric
                    ELSE s.arr_cents::numeric END,
               round(s.effort_hours * 100)::bigint
         WHERE s.outcome_result IS NOT NULL AND s.outcome_at IS NOT NULL
      $$`);

    // Rollup rows whose every count came back to 0 go (the rebuild has none).
    await q.query(`
      CREATE FUNCTION metrics_programme_rollup_prune(days date[], segments text[]) RETURNS void
      LANGUAGE sql AS $$
        DELETE FROM metrics_programme_rollup m
         USING (SELECT DISTINCT b.bucket, b.bucket_start FROM unnest(days) d, metrics_bucket_starts(d) b) k
         WHERE m.bucket = k.bucket AND m.bucket_start = k.bucket_start AND m.segment = ANY (segments)
           AND m.renewals_started = 0 AND m.renewals_ended = 0 AND m.days_to_risk = '{}' AND m.warned = 0
           AND m.acted_on = 0 AND m.days_to_intervention = '{}' AND m.churns = 0 AND m.churns_with_tenure = 0
           AND m.tenure_months = '{}' AND m.saves_attempted = 0 AND m.saves_saved = 0 AND m.high_risk_saves = 0
           AND m.high_risk_saved = 0 AND m.kept_arr_cents = 0 AND m.effort_hundredths = 0
      $$`);

    // A histogram plus a small one (a delta): value by value, without rebuilding the whole (metrics_histogram_sum's result).
    await q.query(`
      CREATE FUNCTION metrics_programme_histogram_add(h jsonb, d jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        k text;
        n bigint;
        v bigint;
      BEGIN
        FOR k, n IN SELECT e.key, e.value::bigint FROM jsonb_each_text(d) e LOOP
          v := COALESCE((h->>k)::bigint, 0) + n;
          IF v = 0 THEN
            h := h - k;
          ELSE
            h := jsonb_set(h, ARRAY[k], to_jsonb(v));
          END IF;
        END LOOP;
        RETURN h;
      END $$`);

    // A renewal's contribution made current: the one of the tables as they are compared with the
    // stored one, and only the difference added to the rollup (nothing when they are the same).
    await q.query(`
      CREATE FUNCTION metrics_programme_renewal_refresh(rid text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        old_rows jsonb;
        new_rows jsonb;
      BEGIN
        -- one refresh of a renewal at a time (its writers and its alerts' and save's)
        PERFORM 1 FROM renewals WHERE id = rid FOR NO KEY UPDATE;
        SELECT COALESCE(jsonb_agg(to_jsonb(c) - 'renewal_id' ORDER BY c.day), '[]') INTO old_rows
          FROM metrics_programme_renewal_contributions c WHERE c.renewal_id = rid;
        SELECT COALESCE(jsonb_agg(to_jsonb(c) ORDER BY c.day), '[]') INTO new_rows
          FROM metrics_programme_renewal_contribution(rid) c;
        IF old_rows = new_rows THEN
          RETURN;
        END IF;
        INSERT INTO metrics_programme_rollup AS m (bucket, bucket_start, segment, renewals_started, renewals_ended, days_to_risk,
                                                   warned, acted_on, days_to_intervention, churns, churns_with_tenure, tenure_months)
        SELECT b.bucket, b.bucket_start, d.segment, sum(d.k * d.renewals_started), sum(d.k * d.renewals_ended),
               metrics_histogram_agg(metrics_programme_histogram_scale(d.days_to_risk, d.k)), sum(d.k * d.warned),
               sum(d.k * d.acted_on), metrics_histogram_agg(metrics_programme_histogram_scale(d.days_to_intervention, d.k)),
               sum(d.k * d.churns), sum(d.k * d.churns_with_tenure),
               metrics_histogram_agg(metrics_programme_histogram_scale(d.tenure_months, d.k))
          FROM (SELECT 1 AS k, x.* FROM jsonb_to_recordset(new_rows) AS x(day date, segment text, renewals_started bigint, renewals_ended bigint, days_to_risk jsonb, warned bigint, acted_on bigint, days_to_intervention jsonb, churns bigint, churns_with_tenure bigint, tenure_months jsonb)
                UNION ALL
                SELECT -1, x.* FROM jsonb_to_recordset(old_rows) AS x(day date, segment text, renewals_started bigint, renewals_ended bigint, days_to_risk jsonb, warned bigint, acted_on bigint, days_to_intervention jsonb, churns bigint, churns_with_tenure bigint, tenure_months jsonb)) d,
               metrics_bucket_starts(d.day) b
         GROUP BY b.bucket, b.bucket_start, d.segment
        HAVING sum(d.k * d.renewals_started) <> 0 OR sum(d.k * d.renewals_ended) <> 0 OR sum(d.k * d.warned) <> 0
            OR sum(d.k * d.acted_on) <> 0 OR sum(d.k * d.churns) <> 0 OR sum(d.k * d.churns_with_tenure) <> 0
            OR metrics_histogram_agg(metrics_programme_histogram_scale(d.days_to_risk, d.k)) <> '{}'
            OR metrics_histogram_agg(metrics_programme_histogram_scale(d.days_to_intervention, d.k)) <> '{}'
            OR metrics_histogram_agg(metrics_programme_histogram_scale(d.tenure_months, d.k)) <> '{}'
         ORDER BY b.bucket, b.bucket_start, d.segment
        ON CONFLICT (bucket, bucket_start, segment) DO UPDATE SET
          renewals_started = m.renewals_started + EXCLUDED.renewals_started,
          renewals_ended = m.renewals_ended + EXCLUDED.renewals_ended,
          days_to_risk = metrics_programme_histogram_add(m.days_to_risk, EXCLUDED.days_to_risk),
          warned = m.warned + EXCLUDED.warned,
          acted_on = m.acted_on + EXCLUDED.acted_on,
          days_to_intervention = metrics_programme_histogram_add(m.days_to_intervention, EXCLUDED.days_to_intervention),
          churns = m.churns + EXCLUDED.churns,
          churns_with_tenure = m.churns_with_tenure + EXCLUDED.churns_with_tenure,
          tenure_months = metrics_programme_histogram_add(m.tenure_months, EXCLUDED.tenure_months);
        DELETE FROM metrics_programme_renewal_contributions WHERE renewal_id = rid;
        INSERT INTO metrics_programme_renewal_contributions
        SELECT rid, x.* FROM jsonb_to_recordset(new_rows) AS x(day date, segment text, renewals_started bigint, renewals_ended bigint, days_to_risk jsonb, warned bigint, acted_on bigint, days_to_intervention jsonb, churns bigint, churns_with_tenure bigint, tenure_months jsonb);
        PERFORM metrics_programme_rollup_prune(ARRAY(SELECT x.day FROM jsonb_to_recordset(old_rows) AS x(day date)),
                                               ARRAY(SELECT DISTINCT x.segment FROM jsonb_to_recordset(old_rows) AS x(segment text)));
      END $$`);

    await q.query(`
      CREATE FUNCTION metrics_programme_save_apply(s save_efforts, k integer) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO metrics_programme_rollup AS m (bucket, bucket_start, segment, saves_attempted, saves_saved, high_risk_saves,
                                                   high_risk_saved, kept_arr_cents, effort_hundredths)
        SELECT b.bucket, b.bucket_start, c.segment, k * c.saves_attempted, k * c.saves_saved, k * c.high_risk_saves,
               k * c.high_risk_saved, k * c.kept_arr_cents, k * c.effort_hundredths
          FROM metrics_programme_save_contribution(s) c, metrics_bucket_starts(c.day) b
         ORDER BY b.bucket, b.bucket_start, c.segment
        ON CONFLICT (bucket, bucket_start, segment) DO UPDATE SET
          saves_attempted = m.saves_attempted + EXCLUDED.saves_attempted,
          saves_saved = m.saves_saved + EXCLUDED.saves_saved,
          high_risk_saves = m.high_risk_saves + EXCLUDED.high_risk_saves,
          high_risk_saved = m.high_risk_saved + EXCLUDED.high_risk_saved,
          kept_arr_cents = m.kept_arr_cents + EXCLUDED.kept_arr_cents,
          effort_hundredths = m.effort_hundredths + EXCLUDED.effort_hundredths
      $$`);

    // An account's latest score now and its segment made current in the health rollup.
    await q.query(`
      CREATE FUNCTION metrics_programme_account_health_refresh(aid text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        old_segment text;
        old_score text;
        new_segment text;
        new_score text;
      BEGIN
        SELECT h.segment, h.health_score INTO old_segment, old_score
          FROM metrics_programme_account_health h WHERE h.account_id = aid FOR UPDATE;
        SELECT acc.segment,
               COALESCE((SELECT o.health_score::text FROM account_health_observations o
                          WHERE o.account_id = aid AND o.health_score IS NOT NULL
                          ORDER BY o.observed_at DESC, o.id DESC LIMIT 1), '')
          INTO new_segment, new_score
          FROM accounts acc WHERE acc.id = aid;
        IF old_segment IS NOT DISTINCT FROM new_segment AND old_score IS NOT DISTINCT FROM new_score THEN
          RETURN;
        END IF;
        IF old_segment IS NOT NULL THEN
          UPDATE metrics_programme_health_rollup SET accounts = accounts - 1
           WHERE segment = old_segment AND health_score = metrics_programme_health_key(old_score);
          DELETE FROM metrics_programme_health_rollup
           WHERE segment = old_segment AND health_score = metrics_programme_health_key(old_score) AND accounts = 0;
        END IF;
        IF new_segment IS NULL THEN
          DELETE FROM metrics_programme_account_health WHERE account_id = aid;
        ELSE
          INSERT INTO metrics_programme_account_health (account_id, segment, health_score)
          VALUES (aid, new_segment, new_score)
          ON CONFLICT (account_id) DO UPDATE SET segment = EXCLUDED.segment, health_score = EXCLUDED.health_score;
          INSERT INTO metrics_programme_health_rollup AS h (segment, health_score, accounts)
          VALUES (new_segment, metrics_programme_health_key(new_score), 1)
          ON CONFLICT (segment, health_score) DO UPDATE SET accounts = h.accounts + 1;
        END IF;
      END $$`);

    await q.query(`
      CREATE FUNCTION metrics_programme_rollup_rebuild() RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE metrics_programme_rollup, metrics_programme_renewal_contributions,
                 metrics_programme_account_health, metrics_programme_health_rollup;
        INSERT INTO metrics_programme_renewal_contributions
        SELECT r.id, c.* FROM renewals r CROSS JOIN LATERAL metrics_programme_renewal_contribution(r.id) c;
        -- the histograms summed value by value (metrics_histogram_agg row by row is slow over a whole book)
        CREATE TEMPORARY TABLE metrics_programme_rebuild_parts AS
        SELECT b.bucket, b.bucket_start, x.*
          FROM (SELECT c.segment, c.day, c.renewals_started, c.renewals_ended, c.days_to_risk, c.warned, c.acted_on,
                       c.days_to_intervention, c.churns, c.churns_with_tenure, c.tenure_months, 0::bigint AS saves_attempted,
                       0::bigint AS saves_saved, 0::bigint AS high_risk_saves, 0::bigint AS high_risk_saved,
                       0::numeric AS kept_arr_cents, 0::bigint AS effort_hundredths
                  FROM metrics_programme_renewal_contributions c
                UNION ALL
                SELECT c.segment, c.day, 0, 0, '{}', 0, 0, '{}', 0, 0, '{}', c.saves_attempted, c.saves_saved, c.high_risk_saves,
                       c.high_risk_saved, c.kept_arr_cents, c.effort_hundredths
                  FROM save_efforts s CROSS JOIN LATERAL metrics_programme_save_contribution(s) c) x,
               metrics_bucket_starts(x.day) b;
        INSERT INTO metrics_programme_rollup
        WITH counts AS (
          SELECT p.bucket, p.bucket_start, p.segment, sum(p.renewals_started) AS renewals_started, sum(p.renewals_ended) AS renewals_ended,
                 sum(p.warned) AS warned, sum(p.acted_on) AS acted_on, sum(p.churns) AS churns,
                 sum(p.churns_with_tenure) AS churns_with_tenure, sum(p.saves_attempted) AS saves_attempted,
                 sum(p.saves_saved) AS saves_saved, sum(p.high_risk_saves) AS high_risk_saves, sum(p.high_risk_saved) AS high_risk_saved,
                 sum(p.kept_arr_cents) AS kept_arr_cents, sum(p.effort_hundredths) AS effort_hundredths
            FROM metrics_programme_rebuild_parts p GROUP BY p.bucket, p.bucket_start, p.segment
        ),
        values_counted AS (
          SELECT p.bucket, p.bucket_start, p.segment, e.histogram, e.value, sum(e.n) AS n
            FROM metrics_programme_rebuild_parts p
           CROSS JOIN LATERAL (SELECT 'risk', key, value::bigint FROM jsonb_each_text(p.days_to_risk)
                               UNION ALL SELECT 'intervention', key, value::bigint FROM jsonb_each_text(p.days_to_intervention)
                               UNION ALL SELECT 'tenure', key, value::bigint FROM jsonb_each_text(p.tenure_months)) e(histogram, value, n)
           GROUP BY p.bucket, p.bucket_start, p.segment, e.histogram, e.value
        ),
        histograms AS (
          SELECT bucket, bucket_start, segment, histogram, jsonb_object_agg(value, n) FILTER (WHERE n <> 0) AS h
            FROM values_counted GROUP BY bucket, bucket_start, segment, histogram
        )
        SELECT c.bucket, c.bucket_start, c.segment, c.renewals_started, c.renewals_ended, COALESCE(hr.h, '{}'), c.warned,
               c.acted_on, COALESCE(hi.h, '{}'), c.churns, c.churns_with_tenure, COALESCE(ht.h, '{}'), c.saves_attempted,
               c.saves_saved, c.high_risk_saves, c.high_risk_saved, c.kept_arr_cents, c.effort_hundredths
          FROM counts c
          LEFT JOIN histograms hr ON (hr.bucket, hr.bucket_start, hr.segment, hr.histogram) = (c.bucket, c.bucket_start, c.segment, 'risk')
          LEFT JOIN histograms hi
            ON (hi.bucket, hi.bucket_start, hi.segment, hi.histogram) = (c.bucket, c.bucket_start, c.segment, 'intervention')
          LEFT JOIN histograms ht ON (ht.bucket, ht.bucket_start, ht.segment, ht.histogram) = (c.bucket, c.bucket_start, c.segment, 'tenure');
        DROP TABLE metrics_programme_rebuild_parts;
        INSERT INTO metrics_programme_account_health (account_id, segment, health_score)
        SELECT acc.id, acc.segment,
               COALESCE((SELECT o.health_score::text FROM account_health_observations o
                          WHERE o.account_id = acc.id AND o.health_score IS NOT NULL
                          ORDER BY o.observed_at DESC, o.id DESC LIMIT 1), '')
          FROM accounts acc;
        INSERT INTO metrics_programme_health_rollup (segment, health_score, accounts)
        SELECT segment, metrics_programme_health_key(health_score), count(*)
          FROM metrics_programme_account_health GROUP BY 1, 2;
      END $$`);

    // The triggers: each write takes away the old contribution and adds the new one.
    await q.query(`
      CREATE FUNCTION metrics_programme_renewals_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.id = NEW.id AND OLD.account_id = NEW.account_id AND OLD.segment = NEW.segment
           AND OLD.started_at = NEW.started_at AND OLD.decision IS NOT DISTINCT FROM NEW.decision
           AND OLD.cancellation IS NOT DISTINCT FROM NEW.cancellation
           AND OLD.classification_history = NEW.classification_history THEN
          RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          PERFORM metrics_programme_renewal_refresh(OLD.id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN
          PERFORM metrics_programme_renewal_refresh(NEW.id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_programme_renewals AFTER INSERT OR UPDATE OR DELETE ON renewals
      FOR EACH ROW EXECUTE FUNCTION metrics_programme_renewals_changed()`);

    // An alert on an account counts for the renewals of the account that ran when it was triggered.
    await q.query(`
      CREATE FUNCTION metrics_programme_alerts_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        rid text;
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.account_id = NEW.account_id AND OLD.triggered_at = NEW.triggered_at
           AND (OLD.data->'acknowledgedAt') IS NOT DISTINCT FROM (NEW.data->'acknowledgedAt')
           AND (OLD.data->'tasks') IS NOT DISTINCT FROM (NEW.data->'tasks') THEN
          RETURN NULL;
        END IF;
        FOR rid IN
          SELECT r.id FROM renewals r
           WHERE TG_OP <> 'INSERT' AND r.account_id = OLD.account_id AND r.started_at <= OLD.triggered_at
             AND (COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz) IS NULL
                  OR COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz) >= OLD.triggered_at)
          UNION
          SELECT r.id FROM renewals r
           WHERE TG_OP <> 'DELETE' AND r.account_id = NEW.account_id AND r.started_at <= NEW.triggered_at
             AND (COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz) IS NULL
                  OR COALESCE((r.decision->>'decidedAt')::timestamptz, (r.cancellation->>'at')::timestamptz) >= NEW.triggered_at)
          ORDER BY 1
        LOOP
          PERFORM metrics_programme_renewal_refresh(rid);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_programme_alerts AFTER INSERT OR UPDATE OR DELETE ON alerts
      FOR EACH ROW EXECUTE FUNCTION metrics_programme_alerts_changed()`);

    // A save counts by its own columns; its start may be its renewal's first intervention.
    await q.query(`
      CREATE FUNCTION metrics_programme_save_efforts_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' OR (SELECT c FROM metrics_programme_save_contribution(OLD) c)
                                 IS DISTINCT FROM (SELECT c FROM metrics_programme_save_contribution(NEW) c) THEN
          IF TG_OP <> 'INSERT' THEN
            PERFORM metrics_programme_save_apply(OLD, -1);
          END IF;
          IF TG_OP <> 'DELETE' THEN
            PERFORM metrics_programme_save_apply(NEW, 1);
          END IF;
          IF TG_OP <> 'INSERT' AND OLD.outcome_at IS NOT NULL THEN
            PERFORM metrics_programme_rollup_prune(ARRAY[(OLD.outcome_at AT TIME ZONE 'UTC')::date], ARRAY[OLD.segment]);
          END IF;
        END IF;
        IF TG_OP <> 'UPDATE' OR OLD.renewal_id IS DISTINCT FROM NEW.renewal_id OR OLD.started_at IS DISTINCT FROM NEW.started_at THEN
          IF TG_OP <> 'INSERT' THEN
            PERFORM metrics_programme_renewal_refresh(OLD.renewal_id);
          END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.renewal_id IS DISTINCT FROM OLD.renewal_id) THEN
            PERFORM metrics_programme_renewal_refresh(NEW.renewal_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_programme_save_efforts AFTER INSERT OR UPDATE OR DELETE ON save_efforts
      FOR EACH ROW EXECUTE FUNCTION metrics_programme_save_efforts_changed()`);

    // An account's segment places its health score; its customer-since date is its churns' tenure.
    await q.query(`
      CREATE FUNCTION metrics_programme_accounts_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        rid text;
      BEGIN
        IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.id <> NEW.id OR OLD.segment IS DISTINCT FROM NEW.segment) THEN
          PERFORM metrics_programme_account_health_refresh(OLD.id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.id <> NEW.id OR OLD.segment IS DISTINCT FROM NEW.segment)) THEN
          PERFORM metrics_programme_account_health_refresh(NEW.id);
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.customer_since IS DISTINCT FROM NEW.customer_since THEN
          FOR rid IN SELECT r.id FROM renewals r WHERE r.account_id = NEW.id ORDER BY r.id LOOP
            PERFORM metrics_programme_renewal_refresh(rid);
          END LOOP;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_programme_accounts AFTER INSERT OR DELETE OR UPDATE OF id, segment, customer_since ON accounts
      FOR EACH ROW EXECUTE FUNCTION metrics_programme_accounts_changed()`);

    await q.query(`
      CREATE FUNCTION metrics_programme_health_observations_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          PERFORM metrics_programme_account_health_refresh(OLD.account_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id <> OLD.account_id) THEN
          PERFORM metrics_programme_account_health_refresh(NEW.account_id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_programme_health_observations AFTER INSERT OR UPDATE OR DELETE ON account_health_observations
      FOR EACH ROW EXECUTE FUNCTION metrics_programme_health_observations_changed()`);

    await q.query(`SELECT metrics_programme_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER metrics_programme_health_observations ON account_health_observations`);
    await q.query(`DROP TRIGGER metrics_programme_accounts ON accounts`);
    await q.query(`DROP TRIGGER metrics_programme_save_efforts ON save_efforts`);
    await q.query(`DROP TRIGGER metrics_programme_alerts ON alerts`);
    await q.query(`DROP TRIGGER metrics_programme_renewals ON renewals`);
    for (const f of [
      'metrics_programme_health_observations_changed()',
      'metrics_programme_accounts_changed()',
      'metrics_programme_save_efforts_changed()',
      'metrics_programme_alerts_changed()',
      'metrics_programme_renewals_changed()',
      'metrics_programme_rollup_rebuild()',
      'metrics_programme_account_health_refresh(text)',
      'metrics_programme_save_apply(save_efforts, integer)',
      'metrics_programme_renewal_refresh(text)',
      'metrics_programme_histogram_add(jsonb, jsonb)',
      'metrics_programme_rollup_prune(date[], text[])',
      'metrics_programme_save_contribution(save_efforts)',
      'metrics_programme_renewal_contribution(text)',
      'metrics_programme_histogram_scale(jsonb, integer)',
      'metrics_programme_health_key(text)',
    ])
      await q.query(`DROP FUNCTION ${f}`);
    await q.query(`DROP INDEX account_health_observations_scored_at_idx`);
    await q.query(
      `DROP TABLE metrics_programme_health_rollup, metrics_programme_account_health, metrics_programme_renewal_contributions, metrics_programme_rollup`,
    );
  }
}
