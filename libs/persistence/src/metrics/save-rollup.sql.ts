/**
 * The rollup reads of `GET /metrics/saves` (docs/metrics.md, "Rollups"): the sums of the
 * saves and of the at-risk renewals over the buckets that hold the period's days, per
 * combination of the dimensions the request groups by, within its filters (segment,
 * policy version). The tables and their triggers: migration 202612170200-metrics-save-rollups.
 * Every value is bound; the column names come from the map below only.
 */
import {
  mergeHistograms,
  type AtRiskRollupRow,
  type Histogram,
  type SaveRollupDimension,
  type SaveRollupKey,
  type SaveRollupRow,
} from '@retain/domain';
import { SqlConditions, type Queryable } from '../sql';
import type { MetricsRead } from './metrics-reads.sql';
import { inRollupBuckets } from './rollup-reads.sql';

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
  /** The non-empty histograms of the rows summed. */
  days_to_save: Histogram[];
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
  const where = (c: SqlConditions): string => {
    c.push(inRollupBuckets(c, 't', read.period));
    c.add('t.by_concession = ?', byConcession);
    if (read.filters.segment !== undefined) c.add('t.segment = ?', read.filters.segment);
    if (read.filters.policyVersion !== undefined) c.add('t.policy_version = ?', read.filters.policyVersion);
    return c.where;
  };
  const s = new SqlConditions();
  // The histograms come as the list of the rows' non-empty ones, merged here (cheaper than
  // merging jsonb in SQL row by row, or expanding every one into its entries).
  const savesText = `SELECT ${select}sum(t.saves) AS saves, sum(t.decided) AS decided, sum(t.saved) AS saved,
      sum(t.saved_full) AS saved_full, sum(t.revenue_cents) AS revenue_cents, sum(t.effort_hundredths) AS effort_hundredths,
      sum(t.next_decided) AS next_decided, sum(t.retained) AS retained,
      COALESCE(jsonb_agg(t.days_to_save) FILTER (WHERE t.days_to_save <> '{}'::jsonb), '[]'::jsonb) AS days_to_save
    FROM metrics_save_rollup t ${where(s)} ${groupBy} HAVING count(*) > 0`;
  const a = new SqlConditions();
  const atRiskText = `SELECT ${select}sum(t.at_risk) AS at_risk, sum(t.serious) AS serious
    FROM metrics_save_at_risk_rollup t ${where(a)} ${groupBy} HAVING count(*) > 0`;
  const [saveRows, atRiskRows] = await Promise.all([
    db.query<SaveSums[]>(savesText, s.params),
    db.query<AtRiskSums[]>(atRiskText, a.params),
  ]);
  return {
    saves: saveRows.map((r) => {
      const key = keyOf(r);
      return {
        key,
        saves: Number(r.saves),
        decided: Number(r.decided),
        saved: Number(r.saved),
        savedFull: Number(r.saved_full),
        revenueCents: Number(r.revenue_cents),
        effortHundredths: Number(r.effort_hundredths),
        nextDecided: Number(r.next_decided),
        retained: Number(r.retained),
        daysToSave: mergeHistograms(r.days_to_save),
      };
    }),
    atRisk: atRiskRows.map((r) => ({ key: keyOf(r), atRisk: Number(r.at_risk), serious: Number(r.serious) })),
  };
}
