import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollups of `GET /metrics/saves` (docs/metrics.md, "Rollups", "Save metrics";
 * docs/decisions/0009-metrics-rollups.md): the saves by the day and the month (UTC) they
 * started, the at-risk renewals by the day and the month they are due, keyed by the
 * route's coarse dimensions (segment, risk category, effort level, outcome kind, policy
 * version and, for a groupBy on it, one concession type), with additive counters and a
 * histogram of the whole days to save.
 *
 * What a row contributes is stated once, as a view per population
 * (`metrics_save_rollup_fact_v`: one row per save; `metrics_save_at_risk_rollup_fact_v`:
 * one row per at-risk renewal), computed from the save and the renewals as they are now.
 * The contribution a row has in the rollup is kept beside it (`..._facts`, one row per
 * save or at-risk renewal): a refresh of a save (or a renewal) computes its contribution
 * again, and when it differs subtracts the kept one from the rollup, adds the new one and
 * keeps that. So a retried write of the same row changes nothing, and a contribution that
 * depends on another table (a save's post-save retention on its account's next renewal,
 * an at-risk renewal's effort level on its save) is brought up to date by that table's
 * trigger, whatever the order of the writes.
 *
 * Triggers: on `save_efforts` (the save, and the at-risk renewal it belongs to) and on
 * `renewals` (the at-risk renewal, and the saves of its account, whose next renewal it
 * may be). Neither reads `accounts` (a save's and a renewal's segment are their own
 * columns), so an account's writes do not take part. Each trigger first locks the
 * account's row (FOR NO KEY UPDATE, which inserts of its renewals and saves do not wait
 * for) so that two transactions writing one account's renewal and save refresh one after
 * the other and the later one sees the earlier's writes. A TRUNCATE of either table
 * rebuilds. `metrics_save_rollup_rebuild()` computes everything again from the views; the
 * migration calls it to backfill.
 */
export class MetricsSaveRollups1797472800000 implements MigrationInterface {
  name = 'MetricsSaveRollups1797472800000';

  async up(q: QueryRunner): Promise<void> {
    // The saves of an account (its next renewals change their post-save retention).
    await q.query(`CREATE INDEX save_efforts_account_idx ON save_efforts (account_id, renewal_date)`);
    // The kinds of a save's approved concessions, each once, as rollup keys: '' for none
    // (a save without approved concessions is in the group of null) and for a concession
    // without a type, as the plain read lists it (save-metrics.sql.ts).
    await q.query(`
      CREATE FUNCTION metrics_save_concession_keys(state jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(array_agg(DISTINCT COALESCE(c->>'type', '') ORDER BY COALESCE(c->>'type', '')), '{""}')
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(state->'concessions') = 'array' THEN state->'concessions' ELSE '[]'::jsonb END) c
         WHERE c->>'state' = 'approved'
      $$`);
    // A save's contribution: its start day (UTC), its keys ('' for none), its counters as
    // saveMetrics counts them, and its whole days to save (saved, with an outcome time).
    await q.query(`
      CREATE VIEW metrics_save_rollup_fact_v AS
      SELECT s.id AS save_id,
             (s.started_at AT TIME ZONE 'UTC')::date AS day,
             s.account_id,
             s.segment,
             COALESCE(s.risk_category_at_start, '') AS risk_category,
             s.effort_level,
             COALESCE(s.outcome_kind, '') AS outcome_kind,
             COALESCE(s.policy_version, '') AS policy_version,
             metrics_save_concession_keys(s.state) AS concession_types,
             (s.outcome_result IS NOT NULL)::int AS decided,
             (s.outcome_result IS NOT DISTINCT FROM 'saved')::int AS saved,
             (s.outcome_result IS NOT DISTINCT FROM 'saved' AND s.outcome_kind IS NOT DISTINCT FROM 'full')::int AS saved_full,
             CASE WHEN s.status <> 'active' AND s.outcome_result = 'saved' THEN COALESCE(s.saved_arr_cents, 0) ELSE 0 END::bigint AS revenue_cents,
             CASE WHEN s.status <> 'active' THEN round(s.effort_hours * 100) ELSE 0 END::bigint AS effort_hundredths,
             (s.outcome_result IS NOT DISTINCT FROM 'saved' AND nr.outcome IS NOT NULL)::int AS next_decided,
             (s.outcome_result IS NOT DISTINCT FROM 'saved' AND nr.outcome IS NOT NULL AND nr.outcome <> 'churned')::int AS retained,
             CASE WHEN s.outcome_result = 'saved' AND s.outcome_at IS NOT NULL THEN
               floor((extract(epoch FROM date_trunc('milliseconds', s.outcome_at)) - extract(epoch FROM date_trunc('milliseconds', s.started_at))) / 86400)::int
             END AS days_to_save
        FROM save_efforts s
        LEFT JOIN LATERAL (SELECT n.decision->>'outcome' AS outcome FROM renewals n
                            WHERE n.account_id = s.account_id AND n.renewal_date > s.renewal_date AND n.id <> s.renewal_id AND n.status <> 'cancelled'
                            ORDER BY n.renewal_date LIMIT 1) nr ON TRUE`);
    // An at-risk renewal's contribution: not cancelled, and red, or a save requested, or a
    // save; the renewal's day, segment, risk category and policy; its save's effort level,
    // outcome kind and concession types ('' without a save); serious at full, standard, light.
    await q.query(`
      CREATE VIEW metrics_save_at_risk_rollup_fact_v AS
      SELECT r.id AS renewal_id,
             r.renewal_date AS day,
             r.account_id,
             r.segment,
             COALESCE(r.risk_category, '') AS risk_category,
             COALESCE(s.effort_level, '') AS effort_level,
             COALESCE(s.outcome_kind, '') AS outcome_kind,
             r.policy_version,
             CASE WHEN s.id IS NULL THEN '{""}'::text[] ELSE metrics_save_concession_keys(s.state) END AS concession_types,
             (s.effort_level IN ('full', 'standard', 'light') IS TRUE)::int AS serious
        FROM renewals r LEFT JOIN save_efforts s ON s.renewal_id = r.id
       WHERE r.status <> 'cancelled'
         AND (r.risk_category = 'red' OR (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) OR s.id IS NOT NULL)`);
    // The contributions as they are in the rollups (one row per save, per at-risk renewal).
    await q.query(`CREATE TABLE metrics_save_rollup_facts AS SELECT * FROM metrics_save_rollup_fact_v WITH NO DATA`);
    await q.query(`ALTER TABLE metrics_save_rollup_facts ADD PRIMARY KEY (save_id)`);
    await q.query(
      `CREATE TABLE metrics_save_at_risk_rollup_facts AS SELECT * FROM metrics_save_at_risk_rollup_fact_v WITH NO DATA`,
    );
    await q.query(`ALTER TABLE metrics_save_at_risk_rollup_facts ADD PRIMARY KEY (renewal_id)`);
    // The rollups. by_concession: false rows count each save once (concession_type ''),
    // true rows once per concession type (a groupBy on concessionType reads only those).
    await q.query(`
      CREATE TABLE metrics_save_rollup (
        bucket            text NOT NULL CHECK (bucket IN ('day', 'month')),
        bucket_start      date NOT NULL,
        segment           text NOT NULL,
        risk_category     text NOT NULL,
        effort_level      text NOT NULL,
        outcome_kind      text NOT NULL,
        policy_version    text NOT NULL,
        by_concession     boolean NOT NULL,
        concession_type   text NOT NULL,
        saves             bigint NOT NULL,
        decided           bigint NOT NULL,
        saved             bigint NOT NULL,
        saved_full        bigint NOT NULL,
        revenue_cents     bigint NOT NULL,
        effort_hundredths bigint NOT NULL,
        next_decided      bigint NOT NULL,
        retained          bigint NOT NULL,
        days_to_save      jsonb NOT NULL,
        PRIMARY KEY (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
      )`);
    await q.query(`
      CREATE TABLE metrics_save_at_risk_rollup (
        bucket            text NOT NULL CHECK (bucket IN ('day', 'month')),
        bucket_start      date NOT NULL,
        segment           text NOT NULL,
        risk_category     text NOT NULL,
        effort_level      text NOT NULL,
        outcome_kind      text NOT NULL,
        policy_version    text NOT NULL,
        by_concession     boolean NOT NULL,
        concession_type   text NOT NULL,
        at_risk           bigint NOT NULL,
        serious           bigint NOT NULL,
        PRIMARY KEY (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
      )`);
    // Adds a contribution (sign 1) or takes it away (sign -1); rows left counting nothing go.
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_add(f metrics_save_rollup_facts, sign int) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO metrics_save_rollup AS t
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, sign, sign * f.decided, sign * f.saved, sign * f.saved_full,
               sign * f.revenue_cents, sign * f.effort_hundredths, sign * f.next_decided, sign * f.retained,
               CASE WHEN f.days_to_save IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(f.days_to_save::text, sign) END
          FROM metrics_bucket_starts(f.day) b,
               (SELECT false AS by_concession, ''::text AS concession_type
                UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
        ON CONFLICT (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
        DO UPDATE SET saves = t.saves + EXCLUDED.saves, decided = t.decided + EXCLUDED.decided, saved = t.saved + EXCLUDED.saved,
          saved_full = t.saved_full + EXCLUDED.saved_full, revenue_cents = t.revenue_cents + EXCLUDED.revenue_cents,
          effort_hundredths = t.effort_hundredths + EXCLUDED.effort_hundredths,
          next_decided = t.next_decided + EXCLUDED.next_decided, retained = t.retained + EXCLUDED.retained,
          days_to_save = metrics_histogram_sum(t.days_to_save, EXCLUDED.days_to_save);
        IF sign < 0 THEN
          DELETE FROM metrics_save_rollup t
           WHERE t.saves = 0 AND (t.bucket, t.bucket_start) IN (SELECT * FROM metrics_bucket_starts(f.day))
             AND t.segment = f.segment AND t.risk_category = f.risk_category AND t.effort_level = f.effort_level
             AND t.outcome_kind = f.outcome_kind AND t.policy_version = f.policy_version
             AND (t.concession_type = '' OR t.concession_type = ANY (f.concession_types));
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_at_risk_rollup_add(f metrics_save_at_risk_rollup_facts, sign int) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO metrics_save_at_risk_rollup AS t
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, sign, sign * f.serious
          FROM metrics_bucket_starts(f.day) b,
               (SELECT false AS by_concession, ''::text AS concession_type
                UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
        ON CONFLICT (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
        DO UPDATE SET at_risk = t.at_risk + EXCLUDED.at_risk, serious = t.serious + EXCLUDED.serious;
        IF sign < 0 THEN
          DELETE FROM metrics_save_at_risk_rollup t
           WHERE t.at_risk = 0 AND (t.bucket, t.bucket_start) IN (SELECT * FROM metrics_bucket_starts(f.day))
             AND t.segment = f.segment AND t.risk_category = f.risk_category AND t.effort_level = f.effort_level
             AND t.outcome_kind = f.outcome_kind AND t.policy_version = f.policy_version
             AND (t.concession_type = '' OR t.concession_type = ANY (f.concession_types));
        END IF;
      END $$`);
    // Brings one save's (one renewal's) contribution up to date: nothing when unchanged.
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_refresh(p_save_id text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        kept metrics_save_rollup_facts;
        now_is metrics_save_rollup_facts;
        was_kept boolean;
        is_now boolean;
      BEGIN
        SELECT * INTO kept FROM metrics_save_rollup_facts WHERE save_id = p_save_id FOR UPDATE;
        was_kept := FOUND;
        SELECT * INTO now_is FROM metrics_save_rollup_fact_v WHERE save_id = p_save_id;
        is_now := FOUND;
        IF was_kept AND is_now AND kept IS NOT DISTINCT FROM now_is THEN RETURN; END IF;
        IF was_kept THEN PERFORM metrics_save_rollup_add(kept, -1); END IF;
        IF is_now THEN PERFORM metrics_save_rollup_add(now_is, 1); END IF;
        -- The kept row updated in place, so a refresh waiting on its lock reads the new one.
        IF was_kept AND is_now THEN
          UPDATE metrics_save_rollup_facts SET (save_id, day, account_id, segment, risk_category, effort_level, outcome_kind, policy_version, concession_types,
              decided, saved, saved_full, revenue_cents, effort_hundredths, next_decided, retained, days_to_save) = (SELECT (now_is).*)
            WHERE save_id = p_save_id;
        ELSIF was_kept THEN
          DELETE FROM metrics_save_rollup_facts WHERE save_id = p_save_id;
        ELSIF is_now THEN
          INSERT INTO metrics_save_rollup_facts SELECT (now_is).*;
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_at_risk_rollup_refresh(p_renewal_id text) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        kept metrics_save_at_risk_rollup_facts;
        now_is metrics_save_at_risk_rollup_facts;
        was_kept boolean;
        is_now boolean;
      BEGIN
        SELECT * INTO kept FROM metrics_save_at_risk_rollup_facts WHERE renewal_id = p_renewal_id FOR UPDATE;
        was_kept := FOUND;
        SELECT * INTO now_is FROM metrics_save_at_risk_rollup_fact_v WHERE renewal_id = p_renewal_id;
        is_now := FOUND;
        IF was_kept AND is_now AND kept IS NOT DISTINCT FROM now_is THEN RETURN; END IF;
        IF was_kept THEN PERFORM metrics_save_at_risk_rollup_add(kept, -1); END IF;
        IF is_now THEN PERFORM metrics_save_at_risk_rollup_add(now_is, 1); END IF;
        -- The kept row updated in place, so a refresh waiting on its lock reads the new one.
        IF was_kept AND is_now THEN
          UPDATE metrics_save_at_risk_rollup_facts SET (renewal_id, day, account_id, segment, risk_category, effort_level, outcome_kind, policy_version, concession_types,
              serious) = (SELECT (now_is).*)
            WHERE renewal_id = p_renewal_id;
        ELSIF was_kept THEN
          DELETE FROM metrics_save_at_risk_rollup_facts WHERE renewal_id = p_renewal_id;
        ELSIF is_now THEN
          INSERT INTO metrics_save_at_risk_rollup_facts SELECT (now_is).*;
        END IF;
      END $$`);
    // Everything again from the views (the backfill; bench/metrics.mjs after writing without triggers).
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_rebuild() RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE metrics_save_rollup_facts, metrics_save_rollup, metrics_save_at_risk_rollup_facts, metrics_save_at_risk_rollup;
        INSERT INTO metrics_save_rollup_facts SELECT * FROM metrics_save_rollup_fact_v;
        INSERT INTO metrics_save_at_risk_rollup_facts SELECT * FROM metrics_save_at_risk_rollup_fact_v;
        INSERT INTO metrics_save_rollup
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, count(*), sum(f.decided), sum(f.saved), sum(f.saved_full),
               sum(f.revenue_cents), sum(f.effort_hundredths), sum(f.next_decided), sum(f.retained),
               metrics_histogram_agg(CASE WHEN f.days_to_save IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(f.days_to_save::text, 1) END)
          FROM metrics_save_rollup_facts f
          CROSS JOIN LATERAL metrics_bucket_starts(f.day) b
          CROSS JOIN LATERAL (SELECT false AS by_concession, ''::text AS concession_type
                              UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        INSERT INTO metrics_save_at_risk_rollup
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, count(*), sum(f.serious)
          FROM metrics_save_at_risk_rollup_facts f
          CROSS JOIN LATERAL metrics_bucket_starts(f.day) b
          CROSS JOIN LATERAL (SELECT false AS by_concession, ''::text AS concession_type
                              UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_on_save() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM accounts WHERE id IN (OLD.account_id, NEW.account_id) ORDER BY id FOR NO KEY UPDATE;
        IF TG_OP <> 'INSERT' THEN
          PERFORM metrics_save_rollup_refresh(OLD.id);
          PERFORM metrics_save_at_risk_rollup_refresh(OLD.renewal_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          IF TG_OP = 'INSERT' OR NEW.id <> OLD.id THEN PERFORM metrics_save_rollup_refresh(NEW.id); END IF;
          IF TG_OP = 'INSERT' OR NEW.renewal_id <> OLD.renewal_id THEN PERFORM metrics_save_at_risk_rollup_refresh(NEW.renewal_id); END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_on_renewal() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        s record;
      BEGIN
        PERFORM 1 FROM accounts WHERE id IN (OLD.account_id, NEW.account_id) ORDER BY id FOR NO KEY UPDATE;
        IF TG_OP <> 'INSERT' THEN PERFORM metrics_save_at_risk_rollup_refresh(OLD.id); END IF;
        IF TG_OP = 'INSERT' OR NEW.id <> OLD.id THEN PERFORM metrics_save_at_risk_rollup_refresh(NEW.id); END IF;
        FOR s IN SELECT id FROM save_efforts WHERE account_id IN (OLD.account_id, NEW.account_id) LOOP
          PERFORM metrics_save_rollup_refresh(s.id);
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_on_truncate() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM metrics_save_rollup_rebuild();
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER save_efforts_metrics_save_rollup AFTER INSERT OR UPDATE OR DELETE ON save_efforts
        FOR EACH ROW EXECUTE FUNCTION metrics_save_rollup_on_save()`);
    await q.query(`
      CREATE TRIGGER renewals_metrics_save_rollup AFTER INSERT OR UPDATE OR DELETE ON renewals
        FOR EACH ROW EXECUTE FUNCTION metrics_save_rollup_on_renewal()`);
    await q.query(`
      CREATE TRIGGER save_efforts_metrics_save_rollup_truncate AFTER TRUNCATE ON save_efforts
        FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_truncate()`);
    await q.query(`
      CREATE TRIGGER renewals_metrics_save_rollup_truncate AFTER TRUNCATE ON renewals
        FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_truncate()`);
    await q.query(`SELECT metrics_save_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER renewals_metrics_save_rollup_truncate ON renewals`);
    await q.query(`DROP TRIGGER save_efforts_metrics_save_rollup_truncate ON save_efforts`);
    await q.query(`DROP TRIGGER renewals_metrics_save_rollup ON renewals`);
    await q.query(`DROP TRIGGER save_efforts_metrics_save_rollup ON save_efforts`);
    await q.query(`DROP FUNCTION metrics_save_rollup_on_truncate()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_on_renewal()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_on_save()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_rebuild()`);
    await q.query(`DROP FUNCTION metrics_save_at_risk_rollup_refresh(text)`);
    await q.query(`DROP FUNCTION metrics_save_rollup_refresh(text)`);
    await q.query(`DROP FUNCTION metrics_save_at_risk_rollup_add(metrics_save_at_risk_rollup_facts, int)`);
    await q.query(`DROP FUNCTION metrics_save_rollup_add(metrics_save_rollup_facts, int)`);
    await q.query(`DROP TABLE metrics_save_at_risk_rollup`);
    await q.query(`DROP TABLE metrics_save_rollup`);
    await q.query(`DROP TABLE metrics_save_at_risk_rollup_facts`);
    await q.query(`DROP TABLE metrics_save_rollup_facts`);
    await q.query(`DROP VIEW metrics_save_at_risk_rollup_fact_v`);
    await q.query(`DROP VIEW metrics_save_rollup_fact_v`);
    await q.query(`DROP FUNCTION metrics_save_concession_keys(jsonb)`);
    await q.query(`DROP INDEX save_efforts_account_idx`);
  }
}
