/**
 * The rollup read of GET /metrics/programme (docs/metrics.md, "Rollups"): per segment, the
 * tallies of the period's buckets (migration 202612170400-metrics-programme-rollups.ts), the
 * renewals that ran in the period (started before its end less ended before its start,
 * over every bucket before), and the health-score distribution now, put right for the
 * accounts whose latest score was observed after the period's end. What the rows mean:
 * libs/domain/src/metrics/programme-metrics.ts#programmeMetricsFromRollup. Read only when
 * rollupsAnswer (rollup-reads.sql.ts) and no policy version is asked for.
 */
import { mergeHistograms, type Histogram, type ProgrammeRollupRow } from '@retain/domain';
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
  // The period's rows as they are, added up here: metrics_histogram_agg, one jsonb rebuilt
  // per row, is slow over month rows of hundreds of values.
  const rowsRead: Promise<
    Array<{
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
    }>
  > = db.query(
    `SELECT m.segment, m.days_to_risk, m.warned, m.acted_on, m.days_to_intervention, m.churns, m.churns_with_tenure,
            m.tenure_months, m.saves_attempted, m.saves_saved, m.high_risk_saves, m.high_risk_saved, m.kept_arr_cents,
            m.effort_hundredths
       FROM metrics_programme_rollup m ${sums.where}`,
    sums.params,
  );

  // The renewals that ran: started before the period's end, less those ended before its start.
  const ran = new SqlConditions();
  const afterTo = `(${ran.bind(read.period.to)}::date + 1)`;
  const from = `${ran.bind(read.period.from)}::date`;
  ran.push(`(${bucketsBefore(afterTo)} OR ${bucketsBefore(from)})`);
  segmentFilter(ran, 'm.segment');
  const ranRead: Promise<Array<{ segment: string; ran: string }>> = db.query(
    `SELECT m.segment, COALESCE(sum(m.renewals_started) FILTER (WHERE ${bucketsBefore(afterTo)}), 0)
                       - COALESCE(sum(m.renewals_ended) FILTER (WHERE ${bucketsBefore(from)}), 0) AS ran
       FROM metrics_programme_rollup m ${ran.where}
      GROUP BY m.segment`,
    ran.params,
  );

  // Health: every account's latest score now, by segment and the score's ceiling (a band's
  // bounds are whole numbers, so a score and its ceiling are in the same band)...
  const health = new SqlConditions();
  segmentFilter(health, 'h.segment');
  const healthRead: Promise<Array<{ segment: string; health_score: string; accounts: string }>> = db.query(
    `SELECT h.segment, h.health_score, h.accounts FROM metrics_programme_health_rollup h ${health.where}`,
    health.params,
  );

  // ...put right for the accounts scored at or after the period's end: their latest score before it.
  const late = new SqlConditions();
  const end = `((${late.bind(read.period.to)}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  late.push(
    `h.account_id IN (SELECT o.account_id FROM account_health_observations o WHERE o.health_score IS NOT NULL AND o.observed_at >= ${end})`,
  );
  segmentFilter(late, 'h.segment');
  const correctionsRead: Promise<Array<{ segment: string; now_score: string; then_score: string }>> = db.query(
    `SELECT h.segment, metrics_programme_health_key(h.health_score) AS now_score,
            metrics_programme_health_key(COALESCE((SELECT o.health_score::text FROM account_health_observations o
                       WHERE o.account_id = h.account_id AND o.health_score IS NOT NULL AND o.observed_at < ${end}
                       ORDER BY o.observed_at DESC, o.id DESC LIMIT 1), '')) AS then_score
       FROM metrics_programme_account_health h ${late.where}
      LIMIT ${PROGRAMME_ROLLUP_MAX_HEALTH_CORRECTIONS + 1}`,
    late.params,
  );
  // The four reads at once, on connections of the pool.
  const [rows, ranRows, healthRows, corrections] = await Promise.all([rowsRead, ranRead, healthRead, correctionsRead]);
  for (const r of rows) {
    const t = of(r.segment);
    t.daysToRisk = mergeHistograms([t.daysToRisk, r.days_to_risk]);
    t.warned += Number(r.warned);
    t.actedOn += Number(r.acted_on);
    t.daysToIntervention = mergeHistograms([t.daysToIntervention, r.days_to_intervention]);
    t.churns += Number(r.churns);
    t.churnsWithTenure += Number(r.churns_with_tenure);
    t.tenureMonths = mergeHistograms([t.tenureMonths, r.tenure_months]);
    t.savesAttempted += Number(r.saves_attempted);
    t.savesSaved += Number(r.saves_saved);
    t.highRiskSaves += Number(r.high_risk_saves);
    t.highRiskSaved += Number(r.high_risk_saved);
    t.keptArrCents += Number(r.kept_arr_cents);
    t.effortHundredths += Number(r.effort_hundredths);
  }
  for (const r of ranRows) of(r.segment).renewalsRan = Number(r.ran);
  const count = (segment: string, score: string, n: number) => {
    const t = of(segment);
    if (score === '') t.unscoredAccounts += n;
    else t.healthScores = { ...t.healthScores, [score]: (t.healthScores[score] ?? 0) + n };
  };
  for (const r of healthRows) count(r.segment, r.health_score, Number(r.accounts));
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
