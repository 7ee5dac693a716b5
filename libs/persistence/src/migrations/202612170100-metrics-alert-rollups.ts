import type { MigrationInterface, QueryRunner } from 'typeorm';
import { METRICS_DEFAULTS } from '@retain/domain';

/** `metrics_alert_verdict_before()` as this migration creates it (202612180000-alert-metrics-segment replaces it; its revert restores this). */
export const ALERT_VERDICT_BEFORE_V1 = `
      CREATE FUNCTION metrics_alert_verdict_before() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NEW; END IF;
        IF TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id OR NEW.triggered_at IS DISTINCT FROM OLD.triggered_at THEN
          PERFORM metrics_alert_lock(NEW.account_id);
          NEW.metrics_real_risk := metrics_alert_real_risk(NEW.account_id, NEW.triggered_at, metrics_alert_rollup_window());
        END IF;
        RETURN NEW;
      END $$`;

/** `metrics_alert_changed()` as this migration creates it (202612180000-alert-metrics-segment replaces it; its revert restores this). */
export const ALERT_CHANGED_V1 = `
      CREATE FUNCTION metrics_alert_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE old_segment text; new_segment text; deltas jsonb := '[]'::jsonb;
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_lock(OLD.account_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_lock(NEW.account_id); END IF;
        IF TG_OP <> 'INSERT' THEN SELECT a.segment INTO old_segment FROM accounts a WHERE a.id = OLD.account_id; END IF;
        IF TG_OP <> 'DELETE' THEN SELECT a.segment INTO new_segment FROM accounts a WHERE a.id = NEW.account_id; END IF;
        IF TG_OP = 'UPDATE' AND old_segment IS NOT DISTINCT FROM new_segment
           AND OLD.triggered_at = NEW.triggered_at AND OLD.rule_id = NEW.rule_id AND OLD.severity = NEW.severity
           AND OLD.respond_by = NEW.respond_by AND (OLD.escalation_level > 0) = (NEW.escalation_level > 0)
           AND OLD.metrics_real_risk = NEW.metrics_real_risk
           AND (OLD.data->>'acknowledgedAt') IS NOT DISTINCT FROM (NEW.data->>'acknowledgedAt')
           AND (OLD.data->>'resolvedAt') IS NOT DISTINCT FROM (NEW.data->>'resolvedAt') THEN
          NULL; -- the same contribution
        ELSE
          -- An alert whose account is not (yet) written counts nowhere, as the plain read joins the accounts.
          IF TG_OP <> 'INSERT' AND old_segment IS NOT NULL THEN
            deltas := deltas || jsonb_build_object('alert', to_jsonb(OLD), 'segment', old_segment, 'sign', -1);
          END IF;
          IF TG_OP <> 'DELETE' AND new_segment IS NOT NULL THEN
            deltas := deltas || jsonb_build_object('alert', to_jsonb(NEW), 'segment', new_segment, 'sign', 1);
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
      END $$`;

/** `metrics_alert_account_changed()` as this migration creates it (202612180000-alert-metrics-segment replaces it; its revert restores this). */
export const ALERT_ACCOUNT_CHANGED_V1 = `
      CREATE FUNCTION metrics_alert_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE deltas jsonb := '[]'::jsonb;
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP = 'UPDATE' AND OLD.id = NEW.id AND OLD.segment IS NOT DISTINCT FROM NEW.segment THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_lock(OLD.id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_lock(NEW.id); END IF;
        IF TG_OP <> 'INSERT' THEN
          SELECT deltas || COALESCE(jsonb_agg(jsonb_build_object('alert', to_jsonb(al), 'segment', OLD.segment, 'sign', -1)), '[]')
            INTO deltas FROM alerts al WHERE al.account_id = OLD.id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          SELECT deltas || COALESCE(jsonb_agg(jsonb_build_object('alert', to_jsonb(al), 'segment', NEW.segment, 'sign', 1)), '[]')
            INTO deltas FROM alerts al WHERE al.account_id = NEW.id;
        END IF;
        IF jsonb_array_length(deltas) > 0 THEN PERFORM metrics_alert_rollup_add(deltas); END IF;
        RETURN NULL;
      END $$`;

/** `metrics_alert_rollup_add(p_rows)` as this migration creates it (202612230000-alert-rollup-years replaces it; its revert restores this). */
export const ALERT_ROLLUP_ADD_V1 = `
      CREATE FUNCTION metrics_alert_rollup_add(p_rows jsonb) RETURNS void LANGUAGE sql AS $$
        INSERT INTO metrics_alert_rollup AS r (bucket, bucket_start, rule_id, severity, segment, alerts, acknowledged,
                                               ack_hours, sla_final, sla_open, real_risk)
        SELECT b.bucket, b.bucket_start, c.rule_id, c.severity, c.segment, sum(d.sign), sum(d.sign * c.acknowledged),
               metrics_histogram_agg(CASE WHEN c.ack_hours IS NULL THEN '{}'::jsonb
                                          ELSE jsonb_build_object(c.ack_hours::text, d.sign) END),
               sum(d.sign * c.sla_final), sum(d.sign * c.sla_open), sum(d.sign * c.real_risk)
          FROM jsonb_to_recordset(p_rows) AS d(alert jsonb, segment text, sign integer)
         CROSS JOIN LATERAL metrics_alert_contribution(jsonb_populate_record(NULL::alerts, d.alert), d.segment) c
         CROSS JOIN LATERAL metrics_bucket_starts(c.day) b
         GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (bucket, bucket_start, rule_id, severity, segment) DO UPDATE SET
          alerts = r.alerts + EXCLUDED.alerts, acknowledged = r.acknowledged + EXCLUDED.acknowledged,
          ack_hours = metrics_histogram_sum(r.ack_hours, EXCLUDED.ack_hours), sla_final = r.sla_final + EXCLUDED.sla_final,
          sla_open = r.sla_open + EXCLUDED.sla_open, real_risk = r.real_risk + EXCLUDED.real_risk
      $$`;

/** `metrics_alert_churn_fact_add(f, p_sign)` as this migration creates it (202612230000-alert-rollup-years replaces it; its revert restores this). */
export const CHURN_FACT_ADD_V1 = `
      CREATE FUNCTION metrics_alert_churn_fact_add(f metrics_alert_churn_facts, p_sign integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO metrics_alert_churn_rollup AS r (bucket, bucket_start, segment, rule_id, severity, churns, lead_days)
        SELECT b.bucket, b.bucket_start, s.segment, f.rule_id, f.severity, p_sign,
               CASE WHEN f.lead_days IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(f.lead_days::text, p_sign) END
          FROM metrics_bucket_starts((f.decided_at AT TIME ZONE 'UTC')::date) b
         CROSS JOIN (VALUES (f.segment), ('*')) s(segment)
        ON CONFLICT (bucket, bucket_start, segment, rule_id, severity) DO UPDATE SET
          churns = r.churns + EXCLUDED.churns, lead_days = metrics_histogram_sum(r.lead_days, EXCLUDED.lead_days)
      $$`;

/** `metrics_alert_rollup_rebuild()` as this migration creates it (202612180000-alert-metrics-segment replaces it; its revert restores this). */
export const ALERT_ROLLUP_REBUILD_V1 = `
      CREATE FUNCTION metrics_alert_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      DECLARE w interval := metrics_alert_rollup_window();
      BEGIN
        PERFORM set_config('retain.metrics_alert_rollup_paused', 'on', true);
        -- metrics_alert_real_risk's conditions as joins over the whole book (a call per alert is several times slower).
        WITH real AS MATERIALIZED (
          SELECT al.id FROM alerts al JOIN renewals r ON r.account_id = al.account_id
           WHERE r.decision->>'outcome' IN ('churned', 'downsized')
             AND (r.decision->>'decidedAt')::timestamptz >= al.triggered_at
             AND (r.decision->>'decidedAt')::timestamptz <= al.triggered_at + w
          UNION
          SELECT al.id FROM alerts al JOIN save_efforts s ON s.account_id = al.account_id
           WHERE s.started_at <= al.triggered_at + w
             AND (metrics_save_ended_at(s) IS NULL OR metrics_save_ended_at(s) >= al.triggered_at))
        UPDATE alerts al SET metrics_real_risk = NOT al.metrics_real_risk
         WHERE al.metrics_real_risk <> (al.id IN (SELECT id FROM real));
        TRUNCATE metrics_alert_rollup, metrics_alert_churn_facts, metrics_alert_churn_rollup;
        INSERT INTO metrics_alert_rollup (bucket, bucket_start, rule_id, severity, segment, alerts, acknowledged, ack_hours,
                                          sla_final, sla_open, real_risk)
        SELECT bucket, bucket_start, rule_id, severity, segment, sum(n), sum(acknowledged),
               COALESCE(jsonb_object_agg(ack_hours::text, n) FILTER (WHERE ack_hours IS NOT NULL), '{}'::jsonb),
               sum(sla_final), sum(sla_open), sum(real_risk)
          FROM (SELECT b.bucket, b.bucket_start, c.rule_id, c.severity, c.segment, c.ack_hours, count(*) AS n,
                       sum(c.acknowledged) AS acknowledged, sum(c.sla_final) AS sla_final, sum(c.sla_open) AS sla_open,
                       sum(c.real_risk) AS real_risk
                  FROM alerts al JOIN accounts acc ON acc.id = al.account_id
                 CROSS JOIN LATERAL metrics_alert_contribution(al, acc.segment) c
                 CROSS JOIN LATERAL metrics_bucket_starts(c.day) b
                 GROUP BY 1, 2, 3, 4, 5, 6) per_value
         GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO metrics_alert_churn_facts SELECT * FROM metrics_alert_churn_facts_live;
        INSERT INTO metrics_alert_churn_rollup (bucket, bucket_start, segment, rule_id, severity, churns, lead_days)
        SELECT bucket, bucket_start, segment, rule_id, severity, sum(n),
               COALESCE(jsonb_object_agg(lead_days::text, n) FILTER (WHERE lead_days IS NOT NULL), '{}'::jsonb)
          FROM (SELECT b.bucket, b.bucket_start, s.segment, f.rule_id, f.severity, f.lead_days, count(*) AS n
                  FROM metrics_alert_churn_facts f
                 CROSS JOIN LATERAL metrics_bucket_starts((f.decided_at AT TIME ZONE 'UTC')::date) b
                 CROSS JOIN LATERAL (VALUES (f.segment), ('*')) s(segment)
                 GROUP BY 1, 2, 3, 4, 5, 6) per_value
         GROUP BY 1, 2, 3, 4, 5;
        PERFORM set_config('retain.metrics_alert_rollup_paused', 'off', true);
      END $$`;

/**
 * The rollups of GET /metrics/alerts (docs/metrics.md, "Rollups"; docs/decisions/0009-metrics-rollups.md),
 * kept by triggers in the writer's transaction and backfilled at the end:
 *
 * - `alerts.metrics_real_risk`: the alert's verdict (its account churned or downsized within
 *   the outcome window after it, or had a save running in it), set by a BEFORE trigger on
 *   alerts and recomputed for an account's alerts when one of its renewals or saves changes
 *   what decides it (`metrics_alert_real_risk`).
 * - `metrics_alert_rollup`: per bucket of the alert's trigger day (UTC) and its rule, severity
 *   and segment (its account's), the alerts, the acknowledged ones, the whole hours to
 *   acknowledge (histogram), the final SLA breaches, the open alerts (neither answered nor
 *   escalated: breached once their respond-by time passes, finished at read), and the real-risk
 *   ones; each alert counts under its segment and under '*' (every segment, which a request
 *   neither grouped nor filtered by segment reads: a third of the rows). One function gives an
 *   alert's contribution (`metrics_alert_contribution`), used by the alerts and accounts
 *   triggers and by the rebuild.
 * - `metrics_alert_churn_facts`: per churned renewal, one row for "any alert" (rule '' and
 *   severity '') and one per rule, severity, and rule and severity of the alerts in the outcome
 *   window before its decision, with the whole days from the first of them to the decision
 *   (`metrics_alert_churn_facts_live`); refreshed for a renewal when its decision changes and
 *   for an account's churns when one of its alerts is written. `metrics_alert_churn_rollup`
 *   sums them per bucket of the decision day and the renewal's segment (and '*').
 * - `metrics_alert_rollup_settings`: the outcome window the verdicts and warnings were built
 *   with; the route reads plain rows when the policy's differs
 *   (`metrics_alert_rollup_set_window(days)` rebuilds with another).
 *
 * `metrics_alert_rollup_rebuild()` recomputes all of it from the read model (the benchmark's
 * book is written without triggers and rebuilt once).
 */
export class MetricsAlertRollups1797469200000 implements MigrationInterface {
  name = 'MetricsAlertRollups1797469200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts ADD COLUMN metrics_real_risk boolean NOT NULL DEFAULT false`);
    // The day the pending outcomes' boundary falls in is read from raw alerts; so are the open ones not yet due.
    await q.query(`CREATE INDEX alerts_triggered_at_idx ON alerts (triggered_at)`);
    await q.query(
      `CREATE INDEX alerts_metrics_open_respond_by_idx ON alerts (respond_by)
        WHERE escalation_level <= 0 AND (data->>'acknowledgedAt') IS NULL AND (data->>'resolvedAt') IS NULL`,
    );
    // A save's verdicts are recomputed for its account's alerts.
    await q.query(`CREATE INDEX save_efforts_account_idx ON save_efforts (account_id)`);

    await q.query(`
      CREATE TABLE metrics_alert_rollup_settings (
        only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        outcome_window_days  integer NOT NULL CHECK (outcome_window_days >= 1)
      )`);
    await q.query(`INSERT INTO metrics_alert_rollup_settings (outcome_window_days) VALUES ($1)`, [
      METRICS_DEFAULTS.alertOutcomeWindowDays,
    ]);
    // The window as an interval of hours: a day is 24 hours whatever the session's time zone (as the domain counts).
    await q.query(`
      CREATE FUNCTION metrics_alert_rollup_window() RETURNS interval LANGUAGE sql STABLE AS $$
        SELECT make_interval(hours => outcome_window_days * 24) FROM metrics_alert_rollup_settings
      $$`);
    // Set by the rebuild for its own transaction: the triggers leave the rollups to it.
    await q.query(`
      CREATE FUNCTION metrics_alert_rollup_paused() RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT COALESCE(current_setting('retain.metrics_alert_rollup_paused', true), '') = 'on'
      $$`);

    // The writers of one account's alerts, renewals, saves and segment take turns (until commit), so each trigger's
    // reads see the other writers' committed rows: an alert written while its account's save starts gets its verdict.
    // The lock is one of 128, by the account's hash: a transaction that writes many accounts (a demo book, an
    // import) holds at most 128 advisory locks, where one per account filled the shared lock table ("out of shared
    // memory"); accounts that share a lock only take turns for the length of a write.
    await q.query(`
      CREATE FUNCTION metrics_alert_lock(p_account text) RETURNS void LANGUAGE sql AS $$
        SELECT pg_advisory_xact_lock(hashtext('metrics_alert_rollup'), hashtext(p_account) & 127)
      $$`);
    // When a save ended (its outcome, or its hand-off when it exited without one), null while it runs: as the plain read has it.
    await q.query(`
      CREATE FUNCTION metrics_save_ended_at(s save_efforts) RETURNS timestamptz LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN s.status = 'active' THEN NULL
               ELSE COALESCE(s.outcome_at, (s.state->'handOff'->>'at')::timestamptz, s.updated_at) END
      $$`);
    // alertOutcome's real risk (libs/domain/src/metrics/alert-metrics.ts), over the read model.
    await q.query(`
      CREATE FUNCTION metrics_alert_real_risk(p_account text, p_triggered timestamptz, p_window interval)
      RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT EXISTS (SELECT 1 FROM renewals r
                        WHERE r.account_id = p_account AND r.decision->>'outcome' IN ('churned', 'downsized')
                          AND (r.decision->>'decidedAt')::timestamptz >= p_triggered
                          AND (r.decision->>'decidedAt')::timestamptz <= p_triggered + p_window)
            OR EXISTS (SELECT 1 FROM save_efforts s
                        WHERE s.account_id = p_account AND s.started_at <= p_triggered + p_window
                          AND (metrics_save_ended_at(s) IS NULL OR metrics_save_ended_at(s) >= p_triggered))
      $$`);

    await q.query(`
      CREATE TABLE metrics_alert_rollup (
        bucket        text NOT NULL,
        bucket_start  date NOT NULL,
        rule_id       text NOT NULL,
        severity      text NOT NULL,
        segment       text NOT NULL,
        alerts        bigint NOT NULL,
        acknowledged  bigint NOT NULL,
        ack_hours     jsonb NOT NULL,
        sla_final     bigint NOT NULL,
        sla_open      bigint NOT NULL,
        real_risk     bigint NOT NULL,
        PRIMARY KEY (bucket, bucket_start, rule_id, severity, segment)
      )`);
    // An alert's contribution with its account's segment: the day it was triggered (UTC), its keys and counters,
    // under its segment and under '*' (every segment: what a request neither grouped nor filtered by segment reads).
    await q.query(`
      CREATE FUNCTION metrics_alert_contribution(al alerts, p_segment text)
      RETURNS TABLE (day date, rule_id text, severity text, segment text, acknowledged integer, ack_hours integer,
                     sla_final integer, sla_open integer, real_risk integer)
      LANGUAGE sql STABLE AS $$
        SELECT (al.triggered_at AT TIME ZONE 'UTC')::date, al.rule_id, al.severity, s.segment,
               (t.ack IS NOT NULL)::int,
               floor(EXTRACT(EPOCH FROM (t.ack - al.triggered_at)) / 3600)::int,
               (al.escalation_level > 0 OR COALESCE(LEAST(t.ack, t.res) > al.respond_by, false))::int,
               (al.escalation_level <= 0 AND t.ack IS NULL AND t.res IS NULL)::int,
               al.metrics_real_risk::int
          FROM (SELECT (al.data->>'acknowledgedAt')::timestamptz AS ack, (al.data->>'resolvedAt')::timestamptz AS res) t
         CROSS JOIN (VALUES (COALESCE(p_segment, '')), ('*')) s(segment)
      $$`);
    // Adds the contributions of (alert, segment, sign) rows to the rollup, each in its day and month bucket.
    await q.query(ALERT_ROLLUP_ADD_V1);

    await q.query(`
      CREATE TABLE metrics_alert_churn_facts (
        renewal_id  text NOT NULL,
        rule_id     text NOT NULL,
        severity    text NOT NULL,
        account_id  text NOT NULL,
        decided_at  timestamptz NOT NULL,
        segment     text NOT NULL,
        lead_days   integer NULL,
        PRIMARY KEY (renewal_id, rule_id, severity)
      )`);
    await q.query(`CREATE INDEX metrics_alert_churn_facts_account_idx ON metrics_alert_churn_facts (account_id)`);
    // Per churned renewal: the first alert of its account in the window before the decision, of any rule and
    // severity ('' and ''), of each rule, each severity and each pair; the whole days from it to the decision.
    await q.query(`
      CREATE VIEW metrics_alert_churn_facts_live AS
      SELECT r.id AS renewal_id, k.rule_id, k.severity, r.account_id, d.decided_at, COALESCE(r.segment, '') AS segment,
             floor(EXTRACT(EPOCH FROM (d.decided_at - k.first_at)) / 86400)::int AS lead_days
        FROM renewals r
       CROSS JOIN LATERAL (SELECT (r.decision->>'decidedAt')::timestamptz AS decided_at) d
       CROSS JOIN LATERAL (
             SELECT CASE WHEN GROUPING(al.rule_id) = 1 THEN '' ELSE al.rule_id END AS rule_id,
                    CASE WHEN GROUPING(al.severity) = 1 THEN '' ELSE al.severity END AS severity,
                    min(al.triggered_at) AS first_at
               FROM alerts al
              WHERE al.account_id = r.account_id AND al.triggered_at <= d.decided_at
                AND al.triggered_at >= d.decided_at - metrics_alert_rollup_window()
              GROUP BY GROUPING SETS ((al.rule_id, al.severity), (al.rule_id), (al.severity), ())) k
       WHERE r.decision->>'outcome' = 'churned' AND d.decided_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE metrics_alert_churn_rollup (
        bucket        text NOT NULL,
        bucket_start  date NOT NULL,
        segment       text NOT NULL,
        rule_id       text NOT NULL,
        severity      text NOT NULL,
        churns        bigint NOT NULL,
        lead_days     jsonb NOT NULL,
        PRIMARY KEY (bucket, bucket_start, segment, rule_id, severity)
      )`);
    // A churn fact's contribution: one churn in the buckets of its decision day (UTC), its lead days if warned;
    // under its segment and under '*' (every segment).
    await q.query(CHURN_FACT_ADD_V1);
    await q.query(`
      CREATE FUNCTION metrics_alert_churn_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_churn_fact_add(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_churn_fact_add(NEW, 1); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_alert_churn_facts_rollup AFTER INSERT OR UPDATE OR DELETE ON metrics_alert_churn_facts
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_churn_facts_changed()`);
    // The facts of these renewals made current: the rows that changed go, the new ones come (equal rows stay).
    await q.query(`
      CREATE FUNCTION metrics_alert_churn_refresh(p_renewals text[]) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM metrics_alert_churn_facts f
         WHERE f.renewal_id = ANY(p_renewals)
           AND NOT EXISTS (SELECT 1 FROM metrics_alert_churn_facts_live n
                            WHERE n.renewal_id = f.renewal_id AND n.rule_id = f.rule_id AND n.severity = f.severity
                              AND n.account_id = f.account_id AND n.decided_at = f.decided_at AND n.segment = f.segment
                              AND n.lead_days IS NOT DISTINCT FROM f.lead_days);
        INSERT INTO metrics_alert_churn_facts
        SELECT * FROM metrics_alert_churn_facts_live n WHERE n.renewal_id = ANY(p_renewals)
        ON CONFLICT (renewal_id, rule_id, severity) DO NOTHING;
      END $$`);
    // The churns of an account (its alerts warn of them).
    await q.query(`
      CREATE FUNCTION metrics_alert_churn_refresh_account(p_account text) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE ids text[];
      BEGIN
        SELECT array_agg(id) INTO ids FROM (
          SELECT r.id FROM renewals r WHERE r.account_id = p_account AND r.decision->>'outcome' = 'churned'
          UNION SELECT f.renewal_id FROM metrics_alert_churn_facts f WHERE f.account_id = p_account) x;
        IF ids IS NOT NULL THEN PERFORM metrics_alert_churn_refresh(ids); END IF;
      END $$`);
    // The verdicts of an account's alerts made current (the alerts trigger then moves their contributions).
    await q.query(`
      CREATE FUNCTION metrics_alert_verdicts_refresh(p_account text) RETURNS void LANGUAGE sql AS $$
        UPDATE alerts al SET metrics_real_risk = NOT al.metrics_real_risk
         WHERE al.account_id = p_account
           AND al.metrics_real_risk <> metrics_alert_real_risk(al.account_id, al.triggered_at, metrics_alert_rollup_window())
      $$`);

    // Alerts: the verdict before the row is written; after it, the contribution moved and the account's churns refreshed.
    await q.query(ALERT_VERDICT_BEFORE_V1);
    await q.query(`
      CREATE TRIGGER metrics_alert_verdict BEFORE INSERT OR UPDATE ON alerts
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_verdict_before()`);
    await q.query(ALERT_CHANGED_V1);
    await q.query(`
      CREATE TRIGGER metrics_alert_rollup AFTER INSERT OR UPDATE OR DELETE ON alerts
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_changed()`);

    // Accounts: an alert's segment is its account's; a change moves the account's alerts between keys.
    await q.query(ALERT_ACCOUNT_CHANGED_V1);
    await q.query(`
      CREATE TRIGGER metrics_alert_rollup_accounts AFTER INSERT OR UPDATE OR DELETE ON accounts
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_account_changed()`);

    // Renewals: a churned or downsized decision is real risk for the account's alerts; a churn's facts.
    await q.query(`
      CREATE FUNCTION metrics_alert_renewal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE old_risk text; new_risk text; old_churn text; new_churn text;
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN
          old_risk := CASE WHEN OLD.decision->>'outcome' IN ('churned', 'downsized')
                           THEN OLD.account_id || ' ' || COALESCE(OLD.decision->>'decidedAt', '') END;
          old_churn := CASE WHEN OLD.decision->>'outcome' = 'churned'
                            THEN OLD.account_id || ' ' || COALESCE(OLD.decision->>'decidedAt', '') || ' ' || COALESCE(OLD.segment, '') END;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          new_risk := CASE WHEN NEW.decision->>'outcome' IN ('churned', 'downsized')
                           THEN NEW.account_id || ' ' || COALESCE(NEW.decision->>'decidedAt', '') END;
          new_churn := CASE WHEN NEW.decision->>'outcome' = 'churned'
                            THEN NEW.account_id || ' ' || COALESCE(NEW.decision->>'decidedAt', '') || ' ' || COALESCE(NEW.segment, '') END;
        END IF;
        IF old_risk IS DISTINCT FROM new_risk OR old_churn IS DISTINCT FROM new_churn THEN
          IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_lock(OLD.account_id); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_lock(NEW.account_id); END IF;
        END IF;
        IF old_risk IS DISTINCT FROM new_risk THEN
          IF old_risk IS NOT NULL THEN PERFORM metrics_alert_verdicts_refresh(OLD.account_id); END IF;
          IF new_risk IS NOT NULL AND (old_risk IS NULL OR NEW.account_id <> OLD.account_id) THEN
            PERFORM metrics_alert_verdicts_refresh(NEW.account_id);
          END IF;
        END IF;
        IF old_churn IS DISTINCT FROM new_churn THEN
          PERFORM metrics_alert_churn_refresh(ARRAY[COALESCE(NEW.id, OLD.id), COALESCE(OLD.id, NEW.id)]);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_alert_rollup_renewals AFTER INSERT OR UPDATE OR DELETE ON renewals
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_renewal_changed()`);

    // Saves: a save running in an alert's window makes it real risk.
    await q.query(`
      CREATE FUNCTION metrics_alert_save_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE old_key text; new_key text;
      BEGIN
        IF metrics_alert_rollup_paused() THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN
          old_key := OLD.account_id || ' ' || OLD.started_at::text || ' ' || COALESCE(metrics_save_ended_at(OLD)::text, '');
        END IF;
        IF TG_OP <> 'DELETE' THEN
          new_key := NEW.account_id || ' ' || NEW.started_at::text || ' ' || COALESCE(metrics_save_ended_at(NEW)::text, '');
        END IF;
        IF old_key IS DISTINCT FROM new_key THEN
          IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_lock(OLD.account_id); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM metrics_alert_lock(NEW.account_id); END IF;
          IF TG_OP <> 'INSERT' THEN PERFORM metrics_alert_verdicts_refresh(OLD.account_id); END IF;
          IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.account_id <> OLD.account_id) THEN
            PERFORM metrics_alert_verdicts_refresh(NEW.account_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER metrics_alert_rollup_saves AFTER INSERT OR UPDATE OR DELETE ON save_efforts
        FOR EACH ROW EXECUTE FUNCTION metrics_alert_save_changed()`);

    // The rebuild: verdicts, then the sums, from the read model (the triggers paused for it).
    await q.query(ALERT_ROLLUP_REBUILD_V1);
    // Another outcome window (a deployment whose policy says another): recorded, and everything rebuilt with it.
    await q.query(`
      CREATE FUNCTION metrics_alert_rollup_set_window(p_days integer) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE metrics_alert_rollup_settings SET outcome_window_days = p_days;
        PERFORM metrics_alert_rollup_rebuild();
      END $$`);
    await q.query(`SELECT metrics_alert_rollup_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER metrics_alert_rollup_saves ON save_efforts`);
    await q.query(`DROP TRIGGER metrics_alert_rollup_renewals ON renewals`);
    await q.query(`DROP TRIGGER metrics_alert_rollup_accounts ON accounts`);
    await q.query(`DROP TRIGGER metrics_alert_rollup ON alerts`);
    await q.query(`DROP TRIGGER metrics_alert_verdict ON alerts`);
    await q.query(`DROP FUNCTION metrics_alert_rollup_set_window(integer)`);
    await q.query(`DROP FUNCTION metrics_alert_rollup_rebuild()`);
    await q.query(`DROP FUNCTION metrics_alert_save_changed()`);
    await q.query(`DROP FUNCTION metrics_alert_renewal_changed()`);
    await q.query(`DROP FUNCTION metrics_alert_account_changed()`);
    await q.query(`DROP FUNCTION metrics_alert_changed()`);
    await q.query(`DROP FUNCTION metrics_alert_verdict_before()`);
    await q.query(`DROP FUNCTION metrics_alert_verdicts_refresh(text)`);
    await q.query(`DROP FUNCTION metrics_alert_churn_refresh_account(text)`);
    await q.query(`DROP FUNCTION metrics_alert_churn_refresh(text[])`);
    await q.query(`DROP TRIGGER metrics_alert_churn_facts_rollup ON metrics_alert_churn_facts`);
    await q.query(`DROP FUNCTION metrics_alert_churn_facts_changed()`);
    await q.query(`DROP FUNCTION metrics_alert_churn_fact_add(metrics_alert_churn_facts, integer)`);
    await q.query(`DROP TABLE metrics_alert_churn_rollup`);
    await q.query(`DROP VIEW metrics_alert_churn_facts_live`);
    await q.query(`DROP TABLE metrics_alert_churn_facts`);
    await q.query(`DROP FUNCTION metrics_alert_rollup_add(jsonb)`);
    await q.query(`DROP FUNCTION metrics_alert_contribution(alerts, text)`);
    await q.query(`DROP TABLE metrics_alert_rollup`);
    await q.query(`DROP FUNCTION metrics_alert_real_risk(text, timestamptz, interval)`);
    await q.query(`DROP FUNCTION metrics_save_ended_at(save_efforts)`);
    await q.query(`DROP FUNCTION metrics_alert_lock(text)`);
    await q.query(`DROP FUNCTION metrics_alert_rollup_paused()`);
    await q.query(`DROP FUNCTION metrics_alert_rollup_window()`);
    await q.query(`DROP TABLE metrics_alert_rollup_settings`);
    await q.query(`DROP INDEX save_efforts_account_idx`);
    await q.query(`DROP INDEX alerts_metrics_open_respond_by_idx`);
    await q.query(`DROP INDEX alerts_triggered_at_idx`);
    await q.query(`ALTER TABLE alerts DROP COLUMN metrics_real_risk`);
  }
}
