/**
 * The rollup reads of `GET /metrics/saves` (docs/metrics.md, "Rollups"): the sums of the
 * saves and of the at-risk renewals over the buckets that hold the period's days, per
 * combination of the dimensions the request groups by, within its filters (segment,
 * policy version). The tables and their triggers: migration 202612170200-metrics-save-rollups.
 * Every value is bound; the column names come from the map below only.
 */
import {
  mergeHistograms,
  negatedHistogram,
  type AtRiskRollupRow,
  type Histogram,
  type SaveRollupDimension,
  type SaveRollupKey,
  type SaveRollupRow,
} from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import type { MetricsRead } from './metrics-reads.sql';
import { signedBuckets } from './rollup-reads.sql';

/** A dimension's column in both rollup tables. */
const COLUMNS: Record<SaveRollupDimension, string> = {
  segment: 'segment',
  riskCategory: 'risk_category',
  effortLevel: 'effort_level',
  concessionType: 'concession_type',
  outcomeKind: 'outcome_kind',
  policyVersion: 'policy_version',
};

/** A key column's value as the plain read gives it: '' stands for none, but a save without a policy version has '' there. */
const valueOf = (d: SaveRollupDimension, v: string): string | null => (v === '' && d !== 'policyVersion' ? null : v);

/** A row of the saves' read: the key columns d0, d1, ... and the sums (bigint sums come as strings). */
interface SaveSums extends Record<string, unknown> {
  saves: string;
  decided: string;
  saved: string;
  saved_full: string;
  revenue_cents: string;
  effort_hundredths: string;
  next_decided: string;
  retained: string;
  /** The non-empty histograms of the rows added, and of those taken away. */
  days_to_save: Histogram[];
  days_to_save_less: Histogram[];
}

interface AtRiskSums extends Record<string, unknown> {
  at_risk: string;
  serious: string;
}

/**
 * The rows of both rollups by `dimensions`: under concessionType the rows counting a
 * save (and an at-risk renewal) once per kind of its approved concessions (`by_concession`),
 * otherwise those counting it once.
 */
export async function readSaveRollupRows(
  db: Queryable,
  read: MetricsRead,
  dimensions: readonly SaveRollupDimension[],
): Promise<{ saves: SaveRollupRow[]; atRisk: AtRiskRollupRow[] }> {
  const byConcession = dimensions.includes('concessionType');
  const cols = dimensions.map((d) => `t.${COLUMNS[d]}`);
  const keyOf = (r: Record<string, unknown>): SaveRollupKey =>
    Object.fromEntries(dimensions.map((d, i) => [d, valueOf(d, r[`d${i}`] as string)]));
  const select = cols.map((c, i) => `${c} AS d${i}, `).join('');
  const groupBy = cols.length ? `GROUP BY ${cols.join(', ')}` : '';
  // The rows of the buckets whose signed sum holds the period's days (a month mostly inside it
  // read as its bucket less its other days: about half the rows of the plain bucket cover),
  // each with its sign `sg`.
  const signed = (c: SqlConditions, table: string): string => {
    const b = signedBuckets(c, 't', read.period);
    c.push(b.where);
    c.add('t.by_concession = ?', byConcession);
    if (read.filters.segment !== undefined) c.add('t.segment = ?', read.filters.segment);
    if (read.filters.policyVersion !== undefined) c.add('t.policy_version = ?', read.filters.policyVersion);
    return `(SELECT t.*, ${b.sign} AS sg FROM ${table} t ${c.where}) t`;
  };
  const s = new SqlConditions();
  // The histograms come as the lists of the rows' non-empty ones, added and taken away, merged
  // here (cheaper than merging jsonb in SQL row by row, or expanding every one into its entries).
  const savesText = `SELECT ${select}sum(t.sg * t.saves) AS saves, sum(t.sg * t.decided) AS decided,
      sum(t.sg * t.saved) AS saved, sum(t.sg * t.saved_full) AS saved_full, sum(t.sg * t.revenue_cents) AS revenue_cents,
      sum(t.sg * t.effort_hundredths) AS effort_hundredths, sum(t.sg * t.next_decided) AS next_decided,
      sum(t.sg * t.retained) AS retained,
      COALESCE(jsonb_agg(t.days_to_save) FILTER (WHERE t.sg > 0 AND t.days_to_save <> '{}'::jsonb), '[]'::jsonb) AS days_to_save,
      COALESCE(jsonb_agg(t.days_to_save) FILTER (WHERE t.sg < 0 AND t.days_to_save <> '{}'::jsonb), '[]'::jsonb) AS days_to_save_less
    FROM ${signed(s, 'metrics_save_rollup')} ${groupBy}`;
  const a = new SqlConditions();
  const atRiskText = `SELECT ${select}sum(t.sg * t.at_risk) AS at_risk, sum(t.sg * t.serious) AS serious
    FROM ${signed(a, 'metrics_save_at_risk_rollup')} ${groupBy}`;
  const [saveRows, atRiskRows] = await Promise.all([
    db.query<SaveSums[]>(savesText, s.params),
    db.query<AtRiskSums[]>(atRiskText, a.params),
  ]);
  // A key whose rows net to nothing (all of it in the days taken away) is no group.
  const saves = saveRows
    .map((r) => ({
      key: keyOf(r),
      saves: Number(r.saves),
      decided: Number(r.decided),
      saved: Number(r.saved),
      savedFull: Number(r.saved_full),
      revenueCents: Number(r.revenue_cents),
      effortHundredths: Number(r.effort_hundredths),
      nextDecided: Number(r.next_decided),
      retained: Number(r.retained),
      daysToSave: mergeHistograms([...r.days_to_save, ...r.days_to_save_less.map(negatedHistogram)]),
    }))
    .filter((r) => r.saves !== 0 || r.decided !== 0 || r.effortHundredths !== 0 || r.nextDecided !== 0);
  const atRisk = atRiskRows
    .map((r) => ({ key: keyOf(r), atRisk: Number(r.at_risk), serious: Number(r.serious) }))
    .filter((r) => r.atRisk !== 0 || r.serious !== 0);
  return { saves, atRisk };
}
