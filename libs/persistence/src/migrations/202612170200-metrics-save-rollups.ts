import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollups of `GET /metrics/saves` (docs/metrics.md, "Rollups", "Save metrics";
 * docs/decisions/0009-metrics-rollups.md): the saves by the day and the month (UTC) they
 * started, the at-risk renewals by the day and the month they are due, keyed by the
 * route's coarse dimensions (segment, risk category, effort level, outcome kind, policy
 * version and, for a groupBy on it, one concession type), with additive counters and a
 * histogram of the whole days to save.
 *
 * What a row contributes is stated once, as a function of the row
 * (`metrics_save_rollup_fact(save)`: one per save; `metrics_save_at_risk_rollup_fact(renewal)`:
 * one per at-risk renewal, none for another), computed from the save and the renewals as
 * they are now. The contribution a row has in the rollup is kept beside it (`..._facts`,
 * one row per save or at-risk renewal): a refresh of saves (or renewals) takes their kept
 * contributions out of the sums, computes them again and adds the new ones (those that
 * did not change cancel out and write nothing). So a retried write of the same row
 * changes nothing, and a contribution that depends on another table (a save's post-save
 * retention on its account's next renewal, an at-risk renewal's effort level on its save)
 * is brought up to date by that table's trigger, whatever the order of the writes.
 *
 * Triggers, per statement over its transition tables (a bulk write refreshes set-wise):
 * on `save_efforts` (the saves, and the at-risk renewals they belong to) and on
 * `renewals` (the at-risk renewals, and the saves of their accounts, whose next renewal
 * they may be). Neither reads `accounts` (a save's and a renewal's segment are their own
 * columns), so an account's writes do not take part. A write of a save or a renewal
 * first takes its account's turn (metrics_alert_lock, the per-account lock every rollup's
 * triggers take, migration 202612170100; in a BEFORE row trigger, so before the written
 * row is locked), so that two transactions writing one account's renewal and save refresh
 * one after the other and the later one sees the earlier's writes. A TRUNCATE of either table rebuilds.
 * `metrics_save_rollup_rebuild()` computes everything again from the tables; the
 * migration calls it to backfill. The functions' bodies are not views, so an earlier
 * migration's columns they read can still be dropped and added again (its down and up).
 */
export class MetricsSaveRollups1797472800000 implements MigrationInterface {
  name = 'MetricsSaveRollups1797472800000';

  async up(q: QueryRunner): Promise<void> {
    // The saves of an account (its next renewals change their post-save retention) are
    // found by save_efforts_account_idx (migration 202612170100-metrics-alert-rollups).
    // The kinds of a save's approved concessions, each once, as rollup keys: '' for none
    // (a save without approved concessions is in the group of null) and for a concession
    // without a type, as the plain read lists it (save-metrics.sql.ts).
    await q.query(`
      CREATE FUNCTION metrics_save_concession_keys(state jsonb) RETURNS text[]
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      BEGIN
        RETURN (SELECT COALESCE(array_agg(DISTINCT COALESCE(c->>'type', '') ORDER BY COALESCE(c->>'type', '')), '{""}')
                  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(state->'concessions') = 'array' THEN state->'concessions' ELSE '[]'::jsonb END) c
                 WHERE c->>'state' = 'approved');
      END $$`);
    // The contributions as they are in the rollups (one row per save, per at-risk renewal).
    await q.query(`
      CREATE TABLE metrics_save_rollup_facts (
        save_id           text PRIMARY KEY,
        day               date NOT NULL,
        account_id        text NOT NULL,
        segment           text NOT NULL,
        risk_category     text NOT NULL,
        effort_level      text NOT NULL,
        outcome_kind      text NOT NULL,
        policy_version    text NOT NULL,
        concession_types  text[] NOT NULL,
        decided           integer NOT NULL,
        saved             integer NOT NULL,
        saved_full        integer NOT NULL,
        revenue_cents     bigint NOT NULL,
        effort_hundredths bigint NOT NULL,
        next_decided      integer NOT NULL,
        retained          integer NOT NULL,
        days_to_save      integer NULL
      )`);
    await q.query(`
      CREATE TABLE metrics_save_at_risk_rollup_facts (
        renewal_id        text PRIMARY KEY,
        day               date NOT NULL,
        account_id        text NOT NULL,
        segment           text NOT NULL,
        risk_category     text NOT NULL,
        effort_level      text NOT NULL,
        outcome_kind      text NOT NULL,
        policy_version    text NOT NULL,
        concession_types  text[] NOT NULL,
        serious           integer NOT NULL
      )`);
    // A save's contribution: its start day (UTC), its keys ('' for none), its counters as
    // saveMetrics counts them, and its whole days to save (saved, with an outcome time);
    // its post-save retention from the decision on the account's first renewal after the
    // save's (not cancelled), as the plain read finds it (save-metrics.sql.ts).
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_fact(s save_efforts) RETURNS SETOF metrics_save_rollup_facts
      LANGUAGE sql STABLE AS $$
        SELECT s.id, (s.started_at AT TIME ZONE 'UTC')::date, s.account_id, s.segment,
               COALESCE(s.risk_category_at_start, ''), s.effort_level, COALESCE(s.outcome_kind, ''),
               COALESCE(s.policy_version, ''), metrics_save_concession_keys(s.state),
               (s.outcome_result IS NOT NULL)::integer,
               (s.outcome_result IS NOT DISTINCT FROM 'saved')::integer,
               (s.outcome_result IS NOT DISTINCT FROM 'saved' AND s.outcome_kind IS NOT DISTINCT FROM 'full')::integer,
               (CASE WHEN s.status <> 'active' AND s.outcome_result = 'saved' THEN COALESCE(s.saved_arr_cents, 0) ELSE 0 END)::bigint,
               (CASE WHEN s.status <> 'active' THEN round(s.effort_hours * 100) ELSE 0 END)::bigint,
               (s.outcome_result IS NOT DISTINCT FROM 'saved' AND nr.outcome IS NOT NULL)::integer,
               (s.outcome_result IS NOT DISTINCT FROM 'saved' AND nr.outcome IS NOT NULL AND nr.outcome <> 'churned')::integer,
               (CASE WHEN s.outcome_result = 'saved' AND s.outcome_at IS NOT NULL THEN
                  floor((extract(epoch FROM date_trunc('milliseconds', s.outcome_at))
                         - extract(epoch FROM date_trunc('milliseconds', s.started_at))) / 86400)
                END)::integer
          FROM (SELECT (SELECT n.decision->>'outcome' FROM renewals n
                         WHERE n.account_id = s.account_id AND n.renewal_date > s.renewal_date AND n.id <> s.renewal_id
                           AND n.status <> 'cancelled'
                         ORDER BY n.renewal_date LIMIT 1) AS outcome) nr
      $$`);
    // An at-risk renewal's contribution (none for another renewal): not cancelled, and red,
    // or a save requested, or a save; the renewal's day, segment, risk category and policy;
    // its save's effort level, outcome kind and concession types ('' without a save);
    // serious at full, standard or light.
    await q.query(`
      CREATE FUNCTION metrics_save_at_risk_rollup_fact(r renewals) RETURNS SETOF metrics_save_at_risk_rollup_facts
      LANGUAGE sql STABLE AS $$
        SELECT r.id, r.renewal_date, r.account_id, r.segment, COALESCE(r.risk_category, ''),
               COALESCE(sv.effort_level, ''), COALESCE(sv.outcome_kind, ''), r.policy_version,
               CASE WHEN sv.id IS NULL THEN '{""}'::text[] ELSE metrics_save_concession_keys(sv.state) END,
               (sv.effort_level IN ('full', 'standard', 'light') IS TRUE)::integer
          FROM (SELECT 1) one LEFT JOIN save_efforts sv ON sv.renewal_id = r.id
         WHERE r.status <> 'cancelled'
           AND (r.risk_category = 'red' OR (r.save_request IS NOT NULL AND r.save_request <> 'null'::jsonb) OR sv.id IS NOT NULL)
      $$`);
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
    // Adds the contributions \`news\` and takes \`olds\` away, summed per key first (a key
    // both lose and gain nets out and is not written); keys left counting nothing go.
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_apply(news metrics_save_rollup_facts[], olds metrics_save_rollup_facts[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        zeros metrics_save_rollup[];
        z metrics_save_rollup;
      BEGIN
        IF news IS NULL AND olds IS NULL THEN RETURN; END IF;
        WITH up AS (
        INSERT INTO metrics_save_rollup AS t
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, sum(f.sign), sum(f.sign * f.decided), sum(f.sign * f.saved),
               sum(f.sign * f.saved_full), sum(f.sign * f.revenue_cents), sum(f.sign * f.effort_hundredths),
               sum(f.sign * f.next_decided), sum(f.sign * f.retained),
               metrics_histogram_agg(CASE WHEN f.days_to_save IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(f.days_to_save::text, f.sign) END)
          FROM (SELECT 1 AS sign, * FROM unnest(news) UNION ALL SELECT -1, * FROM unnest(olds)) f
          CROSS JOIN LATERAL metrics_bucket_starts(f.day) b
          CROSS JOIN LATERAL (SELECT false AS by_concession, ''::text AS concession_type
                              UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        HAVING sum(f.sign) <> 0 OR sum(f.sign * f.decided) <> 0 OR sum(f.sign * f.saved) <> 0 OR sum(f.sign * f.saved_full) <> 0
            OR sum(f.sign * f.revenue_cents) <> 0 OR sum(f.sign * f.effort_hundredths) <> 0 OR sum(f.sign * f.next_decided) <> 0
            OR sum(f.sign * f.retained) <> 0
            OR metrics_histogram_agg(CASE WHEN f.days_to_save IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(f.days_to_save::text, f.sign) END) <> '{}'::jsonb
         -- In key order, so two writers of the same keys lock them in the same order (no deadlock).
         ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
        DO UPDATE SET saves = t.saves + EXCLUDED.saves, decided = t.decided + EXCLUDED.decided, saved = t.saved + EXCLUDED.saved,
          saved_full = t.saved_full + EXCLUDED.saved_full, revenue_cents = t.revenue_cents + EXCLUDED.revenue_cents,
          effort_hundredths = t.effort_hundredths + EXCLUDED.effort_hundredths,
          next_decided = t.next_decided + EXCLUDED.next_decided, retained = t.retained + EXCLUDED.retained,
          days_to_save = metrics_histogram_sum(t.days_to_save, EXCLUDED.days_to_save)
        RETURNING t.*)
        SELECT array_agg(ROW(up.*)::metrics_save_rollup) INTO zeros FROM up WHERE up.saves = 0;
        -- Keys left counting nothing go (by their primary key, one at a time: there are few).
        FOREACH z IN ARRAY COALESCE(zeros, '{}') LOOP
          DELETE FROM metrics_save_rollup t
           WHERE t.bucket = z.bucket AND t.bucket_start = z.bucket_start AND t.by_concession = z.by_concession
             AND t.segment = z.segment AND t.risk_category = z.risk_category AND t.effort_level = z.effort_level
             AND t.outcome_kind = z.outcome_kind AND t.policy_version = z.policy_version AND t.concession_type = z.concession_type
             AND t.saves = 0;
        END LOOP;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_at_risk_rollup_apply(news metrics_save_at_risk_rollup_facts[], olds metrics_save_at_risk_rollup_facts[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        zeros metrics_save_at_risk_rollup[];
        z metrics_save_at_risk_rollup;
      BEGIN
        IF news IS NULL AND olds IS NULL THEN RETURN; END IF;
        WITH up AS (
        INSERT INTO metrics_save_at_risk_rollup AS t
        SELECT b.bucket, b.bucket_start, f.segment, f.risk_category, f.effort_level, f.outcome_kind, f.policy_version,
               k.by_concession, k.concession_type, sum(f.sign), sum(f.sign * f.serious)
          FROM (SELECT 1 AS sign, * FROM unnest(news) UNION ALL SELECT -1, * FROM unnest(olds)) f
          CROSS JOIN LATERAL metrics_bucket_starts(f.day) b
          CROSS JOIN LATERAL (SELECT false AS by_concession, ''::text AS concession_type
                              UNION ALL SELECT true, c FROM unnest(f.concession_types) c) k
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        HAVING sum(f.sign) <> 0 OR sum(f.sign * f.serious) <> 0
         ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (bucket, bucket_start, by_concession, segment, risk_category, effort_level, outcome_kind, policy_version, concession_type)
        DO UPDATE SET at_risk = t.at_risk + EXCLUDED.at_risk, serious = t.serious + EXCLUDED.serious
        RETURNING t.*)
        SELECT array_agg(ROW(up.*)::metrics_save_at_risk_rollup) INTO zeros FROM up WHERE up.at_risk = 0;
        -- Keys left counting nothing go (by their primary key, one at a time: there are few).
        FOREACH z IN ARRAY COALESCE(zeros, '{}') LOOP
          DELETE FROM metrics_save_at_risk_rollup t
           WHERE t.bucket = z.bucket AND t.bucket_start = z.bucket_start AND t.by_concession = z.by_concession
             AND t.segment = z.segment AND t.risk_category = z.risk_category AND t.effort_level = z.effort_level
             AND t.outcome_kind = z.outcome_kind AND t.policy_version = z.policy_version AND t.concession_type = z.concession_type
             AND t.at_risk = 0;
        END LOOP;
      END $$`);
    // Brings the contributions of saves and at-risk renewals up to date: the saves
    // \`p_save_ids\` (null: every save of the accounts), the renewals \`p_renewal_ids\`.
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_refresh(p_accounts text[], p_save_ids text[], p_renewal_ids text[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        ids text[];
        olds metrics_save_rollup_facts[];
        news metrics_save_rollup_facts[];
        old_risks metrics_save_at_risk_rollup_facts[];
        new_risks metrics_save_at_risk_rollup_facts[];
      BEGIN
        ids := COALESCE(p_save_ids, ARRAY(SELECT id FROM save_efforts WHERE account_id = ANY (p_accounts)));
        WITH d AS (DELETE FROM metrics_save_rollup_facts WHERE save_id = ANY (ids) RETURNING *)
        SELECT array_agg(ROW(d.*)::metrics_save_rollup_facts) INTO olds FROM d;
        WITH n AS (INSERT INTO metrics_save_rollup_facts
                   SELECT f.* FROM save_efforts s CROSS JOIN LATERAL metrics_save_rollup_fact(s) f WHERE s.id = ANY (ids)
                   RETURNING *)
        SELECT array_agg(ROW(n.*)::metrics_save_rollup_facts) INTO news FROM n;
        PERFORM metrics_save_rollup_apply(news, olds);
        WITH d AS (DELETE FROM metrics_save_at_risk_rollup_facts WHERE renewal_id = ANY (p_renewal_ids) RETURNING *)
        SELECT array_agg(ROW(d.*)::metrics_save_at_risk_rollup_facts) INTO old_risks FROM d;
        WITH n AS (INSERT INTO metrics_save_at_risk_rollup_facts
                   SELECT f.* FROM renewals r CROSS JOIN LATERAL metrics_save_at_risk_rollup_fact(r) f WHERE r.id = ANY (p_renewal_ids)
                   RETURNING *)
        SELECT array_agg(ROW(n.*)::metrics_save_at_risk_rollup_facts) INTO new_risks FROM n;
        PERFORM metrics_save_at_risk_rollup_apply(new_risks, old_risks);
      END $$`);
    // Everything again from the tables (the backfill; bench/metrics.mjs after writing without triggers).
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_rebuild() RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE metrics_save_rollup_facts, metrics_save_rollup, metrics_save_at_risk_rollup_facts, metrics_save_at_risk_rollup;
        INSERT INTO metrics_save_rollup_facts SELECT f.* FROM save_efforts s CROSS JOIN LATERAL metrics_save_rollup_fact(s) f;
        INSERT INTO metrics_save_at_risk_rollup_facts SELECT f.* FROM renewals r CROSS JOIN LATERAL metrics_save_at_risk_rollup_fact(r) f;
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
    // The statement triggers: which accounts, saves and renewals a write touched.
    for (const [op, refresh] of [
      [
        'insert',
        `(SELECT array_agg(DISTINCT account_id) FROM new_rows), (SELECT array_agg(id) FROM new_rows), (SELECT array_agg(renewal_id) FROM new_rows)`,
      ],
      [
        'update',
        `(SELECT array_agg(DISTINCT a) FROM (SELECT account_id FROM old_rows UNION SELECT account_id FROM new_rows) x(a)),
                  (SELECT array_agg(DISTINCT i) FROM (SELECT id FROM old_rows UNION SELECT id FROM new_rows) x(i)),
                  (SELECT array_agg(DISTINCT i) FROM (SELECT renewal_id FROM old_rows UNION SELECT renewal_id FROM new_rows) x(i))`,
      ],
      [
        'delete',
        `(SELECT array_agg(DISTINCT account_id) FROM old_rows), (SELECT array_agg(id) FROM old_rows), (SELECT array_agg(renewal_id) FROM old_rows)`,
      ],
    ] as const)
      await q.query(`
        CREATE FUNCTION metrics_save_rollup_on_save_${op}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM metrics_save_rollup_refresh(${refresh});
          RETURN NULL;
        END $$`);
    // A renewal's write: its own contribution, and every save of its account (null: all of the accounts').
    for (const [op, refresh] of [
      ['insert', `(SELECT array_agg(DISTINCT account_id) FROM new_rows), NULL, (SELECT array_agg(id) FROM new_rows)`],
      [
        'update',
        `(SELECT array_agg(DISTINCT a) FROM (SELECT account_id FROM old_rows UNION SELECT account_id FROM new_rows) x(a)), NULL,
                  (SELECT array_agg(DISTINCT i) FROM (SELECT id FROM old_rows UNION SELECT id FROM new_rows) x(i))`,
      ],
      ['delete', `(SELECT array_agg(DISTINCT account_id) FROM old_rows), NULL, (SELECT array_agg(id) FROM old_rows)`],
    ] as const)
      await q.query(`
        CREATE FUNCTION metrics_save_rollup_on_renewal_${op}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM metrics_save_rollup_refresh(${refresh});
          RETURN NULL;
        END $$`);
    // The account's turn taken before the save's (the renewal's) row is locked: the writers
    // upsert, and a BEFORE INSERT trigger runs before the conflicting row is locked. A
    // renewal's writer updates its save in the same transaction (refreshSaveRiskAtStart):
    // taken after the rows, the turn would wait on a save's writer waiting on it.
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_lock_account() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id) THEN
          PERFORM metrics_alert_lock(OLD.account_id);
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        PERFORM metrics_alert_lock(NEW.account_id);
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE FUNCTION metrics_save_rollup_on_truncate() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM metrics_save_rollup_rebuild();
        RETURN NULL;
      END $$`);
    for (const [table, name] of [
      ['save_efforts', 'save'],
      ['renewals', 'renewal'],
    ] as const) {
      await q.query(`
        CREATE TRIGGER ${table}_metrics_save_rollup_lock BEFORE INSERT OR UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION metrics_save_rollup_lock_account()`);
      await q.query(`
        CREATE TRIGGER ${table}_metrics_save_rollup_insert AFTER INSERT ON ${table}
          REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_${name}_insert()`);
      await q.query(`
        CREATE TRIGGER ${table}_metrics_save_rollup_update AFTER UPDATE ON ${table}
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_${name}_update()`);
      await q.query(`
        CREATE TRIGGER ${table}_metrics_save_rollup_delete AFTER DELETE ON ${table}
          REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_${name}_delete()`);
      await q.query(`
        CREATE TRIGGER ${table}_metrics_save_rollup_truncate AFTER TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION metrics_save_rollup_on_truncate()`);
    }
    await q.query(`SELECT metrics_save_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['save_efforts', 'renewals'])
      for (const op of ['lock', 'insert', 'update', 'delete', 'truncate'])
        await q.query(`DROP TRIGGER ${table}_metrics_save_rollup_${op} ON ${table}`);
    for (const name of ['save', 'renewal'])
      for (const op of ['insert', 'update', 'delete'])
        await q.query(`DROP FUNCTION metrics_save_rollup_on_${name}_${op}()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_on_truncate()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_lock_account()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_rebuild()`);
    await q.query(`DROP FUNCTION metrics_save_rollup_refresh(text[], text[], text[])`);
    await q.query(
      `DROP FUNCTION metrics_save_at_risk_rollup_apply(metrics_save_at_risk_rollup_facts[], metrics_save_at_risk_rollup_facts[])`,
    );
    await q.query(`DROP FUNCTION metrics_save_rollup_apply(metrics_save_rollup_facts[], metrics_save_rollup_facts[])`);
    await q.query(`DROP TABLE metrics_save_at_risk_rollup`);
    await q.query(`DROP TABLE metrics_save_rollup`);
    await q.query(`DROP FUNCTION metrics_save_at_risk_rollup_fact(renewals)`);
    await q.query(`DROP FUNCTION metrics_save_rollup_fact(save_efforts)`);
    await q.query(`DROP TABLE metrics_save_at_risk_rollup_facts`);
    await q.query(`DROP TABLE metrics_save_rollup_facts`);
    await q.query(`DROP FUNCTION metrics_save_concession_keys(jsonb)`);
  }
}
