/**
 * The rollup read of GET /metrics/programme (docs/metrics.md, "Rollups"): per segment, the
 * tallies of the period's buckets (migration 202612170400-metrics-programme-rollups.ts), the
 * renewals that ran in the period (started before its end less ended before its start,
 * over every bucket before), and the health-score distribution now, put right for the
 * accounts whose latest score was observed after the period's end. What the rows mean:
 * libs/domain/src/metrics/programme-metrics.ts#programmeMetricsFromRollup. Read only when
 * rollupsAnswer (rollup-reads.sql.ts) and no policy version is asked for.
 */
import type { Histogram, ProgrammeRollupRow } from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import { inRollupBuckets } from './rollup-reads.sql';
import type { MetricsRead } from './metrics-reads.sql';

/** At most this many accounts scored after the period's end are put right by the read; with more it answers null (read rows). */
export const PROGRAMME_ROLLUP_MAX_HEALTH_CORRECTIONS = 1000;

type Tallies = Omit<ProgrammeRollupRow, 'segment'>;

const emptyTallies = (): Tallies => ({
  renewalsRan: 0,
  daysToRisk: {},
  warned: 0,
  actedOn: 0,
  daysToIntervention: {},
  churns: 0,
  churnsWithTenure: 0,
  tenureMonths: {},
  savesAttempted: 0,
  savesSaved: 0,
  highRiskSaves: 0,
  highRiskSaved: 0,
  keptArrCents: 0,
  effortHundredths: 0,
  healthScores: {},
  unscoredAccounts: 0,
});

/** A condition on the rollup row `m`: its bucket holds only days before the date `before` (a bound placeholder). */
const bucketsBefore = (before: string) =>
  `((m.bucket = 'month' AND m.bucket_start < date_trunc('month', ${before}::date)::date)
    OR (m.bucket = 'day' AND m.bucket_start >= date_trunc('month', ${before}::date)::date AND m.bucket_start < ${before}::date))`;

/**
 * The rollup's rows of the request, one per segment (all segments, or the filtered one);
 * null when too many accounts were scored after the period's end to put right.
 */
export async function readProgrammeRollup(db: Queryable, read: MetricsRead): Promise<ProgrammeRollupRow[] | null> {
  const bySegment = new Map<string, Tallies>();
  const of = (segment: string): Tallies => {
    let t = bySegment.get(segment);
    if (!t) bySegment.set(segment, (t = emptyTallies()));
    return t;
  };
  const segmentFilter = (c: SqlConditions, column: string) => {
    if (read.filters.segment !== undefined) c.add(`${column} = ?`, read.filters.segment);
  };

  const sums = new SqlConditions();
  sums.push(inRollupBuckets(sums, 'm', read.period));
  segmentFilter(sums, 'm.segment');
  const rows: Array<{
    segment: string;
    days_to_risk: Histogram;
    warned: string;
    acted_on: string;
    days_to_intervention: Histogram;
    churns: string;
    churns_with_tenure: string;
    tenure_months: Histogram;
    saves_attempted: string;
    saves_saved: string;
    high_risk_saves: string;
    high_risk_saved: string;
    kept_arr_cents: string;
    effort_hundredths: string;
  }> = await db.query(
    `SELECT m.segment, metrics_histogram_agg(m.days_to_risk) AS days_to_risk, sum(m.warned) AS warned, sum(m.acted_on) AS acted_on,
            metrics_histogram_agg(m.days_to_intervention) AS days_to_intervention, sum(m.churns) AS churns,
            sum(m.churns_with_tenure) AS churns_with_tenure, metrics_histogram_agg(m.tenure_months) AS tenure_months,
            sum(m.saves_attempted) AS saves_attempted, sum(m.saves_saved) AS saves_saved, sum(m.high_risk_saves) AS high_risk_saves,
            sum(m.high_risk_saved) AS high_risk_saved, sum(m.kept_arr_cents) AS kept_arr_cents, sum(m.effort_hundredths) AS effort_hundredths
       FROM metrics_programme_rollup m ${sums.where}
      GROUP BY m.segment`,
    sums.params,
  );
  for (const r of rows)
    Object.assign(of(r.segment), {
      daysToRisk: r.days_to_risk,
      warned: Number(r.warned),
      actedOn: Number(r.acted_on),
      daysToIntervention: r.days_to_intervention,
      churns: Number(r.churns),
      churnsWithTenure: Number(r.churns_with_tenure),
      tenureMonths: r.tenure_months,
      savesAttempted: Number(r.saves_attempted),
      savesSaved: Number(r.saves_saved),
      highRiskSaves: Number(r.high_risk_saves),
      highRiskSaved: Number(r.high_risk_saved),
      keptArrCents: Number(r.kept_arr_cents),
      effortHundredths: Number(r.effort_hundredths),
    });

  // The renewals that ran: started before the period's end, less those ended before its start.
  const ran = new SqlConditions();
  const afterTo = `(${ran.bind(read.period.to)}::date + 1)`;
  const from = `${ran.bind(read.period.from)}::date`;
  ran.push(`(${bucketsBefore(afterTo)} OR ${bucketsBefore(from)})`);
  segmentFilter(ran, 'm.segment');
  const ranRows: Array<{ segment: string; ran: string }> = await db.query(
    `SELECT m.segment, COALESCE(sum(m.renewals_started) FILTER (WHERE ${bucketsBefore(afterTo)}), 0)
                       - COALESCE(sum(m.renewals_ended) FILTER (WHERE ${bucketsBefore(from)}), 0) AS ran
       FROM metrics_programme_rollup m ${ran.where}
      GROUP BY m.segment`,
    ran.params,
  );
  for (const r of ranRows) of(r.segment).renewalsRan = Number(r.ran);

  // Health: every account's latest score now, by segment...
  const health = new SqlConditions();
  segmentFilter(health, 'h.segment');
  const healthRows: Array<{ segment: string; health_score: string; accounts: string }> = await db.query(
    `SELECT h.segment, h.health_score, h.accounts FROM metrics_programme_health_rollup h ${health.where}`,
    health.params,
  );
  const count = (segment: string, score: string, n: number) => {
    const t = of(segment);
    if (score === '') t.unscoredAccounts += n;
    else t.healthScores = { ...t.healthScores, [score]: (t.healthScores[score] ?? 0) + n };
  };
  for (const r of healthRows) count(r.segment, r.health_score, Number(r.accounts));

  // ...put right for the accounts scored at or after the period's end: their latest score before it.
  const late = new SqlConditions();
  const end = `((${late.bind(read.period.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  late.push(
    `h.account_id IN (SELECT o.account_id FROM account_health_observations o WHERE o.health_score IS NOT NULL AND o.observed_at >= ${end})`,
  );
  segmentFilter(late, 'h.segment');
  const corrections: Array<{ segment: string; now_score: string; then_score: string }> = await db.query(
    `SELECT h.segment, h.health_score AS now_score,
            COALESCE((SELECT o.health_score::text FROM account_health_observations o
                       WHERE o.account_id = h.account_id AND o.health_score IS NOT NULL AND o.observed_at < ${end}
                       ORDER BY o.observed_at DESC, o.id DESC LIMIT 1), '') AS then_score
       FROM metrics_programme_account_health h ${late.where}
      LIMIT ${PROGRAMME_ROLLUP_MAX_HEALTH_CORRECTIONS + 1}`,
    late.params,
  );
  if (corrections.length > PROGRAMME_ROLLUP_MAX_HEALTH_CORRECTIONS) return null;
  for (const r of corrections) {
    count(r.segment, r.now_score, -1);
    count(r.segment, r.then_score, 1);
  }

  return [...bySegment.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([segment, t]) => ({
      segment,
      ...t,
      healthScores: Object.fromEntries(Object.entries(t.healthScores).filter(([, n]) => n !== 0)),
    }));
}
