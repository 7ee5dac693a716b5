import type { MetricsPolicy } from '../policy/sections/metrics.policy';
import { groupSetsByDimensions, type DimensionValue, type GroupKey } from './grouping';
import { histogramMedian, mergeHistograms, type Histogram } from './rollup';
import { saveMetricsOfCounts, type SaveDimension, type SaveMetrics } from './save-metrics';

/**
 * The save metrics folded from the rollups (docs/metrics.md, "Rollups"): the same figures
 * as saveMetrics over the plain rows, from sums per key the rollup read has already added
 * up over the period's buckets (libs/persistence/src/metrics/save-rollup.sql.ts). Pure.
 */

/** The save dimensions a rollup is keyed by: every one but the CSM and the team. */
export type SaveRollupDimension = Exclude<SaveDimension, 'csm' | 'team'>;

export const SAVE_ROLLUP_DIMENSIONS: readonly SaveRollupDimension[] = [
  'segment',
  'riskCategory',
  'effortLevel',
  'concessionType',
  'outcomeKind',
  'policyVersion',
];

/**
 * The values of the dimensions a rollup row was read by (the others absent): null for
 * none. `concessionType` is one kind per row: a save with several approved concession
 * kinds has a row under each, one without any under null.
 */
export type SaveRollupKey = Partial<Record<SaveRollupDimension, string | null>>;

/** The sums of the saves started in a key's buckets. */
export interface SaveRollupRow {
  key: SaveRollupKey;
  saves: number;
  decided: number;
  saved: number;
  savedFull: number;
  revenueCents: number;
  effortHundredths: number;
  nextDecided: number;
  retained: number;
  /** Whole days to save (rounded down) → how many saved saves took them. */
  daysToSave: Histogram;
}

/** The sums of the at-risk renewals due in a key's buckets. */
export interface AtRiskRollupRow {
  key: SaveRollupKey;
  atRisk: number;
  serious: number;
}

/** Whether a request's dimensions can be read from the rollups (neither CSM nor team). */
export function isSaveRollupDimension(d: SaveDimension): d is SaveRollupDimension {
  return (SAVE_ROLLUP_DIMENSIONS as readonly string[]).includes(d);
}

/** A rollup row's value of a dimension it was read by. */
export function saveRollupDimensionValue(row: { key: SaveRollupKey }, d: SaveDimension): DimensionValue {
  if (!isSaveRollupDimension(d) || !(d in row.key)) throw new Error(`a save rollup row read without ${d}`);
  return row.key[d] ?? null;
}

const sum = <R>(rows: readonly R[], f: (r: R) => number): number => rows.reduce((n, r) => n + f(r), 0);

/** Every save metric over rollup rows, as saveMetrics gives it over the rows they sum. */
export function saveMetricsFromRollup(
  saves: readonly SaveRollupRow[],
  atRisk: readonly AtRiskRollupRow[],
  policy: Pick<MetricsPolicy, 'saveSuccess' | 'effortHourlyCostCents'>,
): SaveMetrics {
  return saveMetricsOfCounts(
    {
      saves: sum(saves, (r) => r.saves),
      atRisk: sum(atRisk, (r) => r.atRisk),
      serious: sum(atRisk, (r) => r.serious),
      decided: sum(saves, (r) => r.decided),
      saved: sum(saves, (r) => r.saved),
      savedFull: sum(saves, (r) => r.savedFull),
      revenueCents: sum(saves, (r) => r.revenueCents),
      effortHundredths: sum(saves, (r) => r.effortHundredths),
      nextDecided: sum(saves, (r) => r.nextDecided),
      retained: sum(saves, (r) => r.retained),
    },
    histogramMedian(mergeHistograms(saves.map((r) => r.daysToSave))),
    policy,
  );
}

/**
 * The total and the groups of a save metrics answer from rollup rows, as the plain path
 * gives them: `total` over rows that count each save and renewal once; `grouped` read by
 * the groupBy's dimensions (under concessionType, one row per kind), grouped and ordered
 * as groupSetsByDimensions orders the plain rows (null last); without groupBy one group,
 * keyed {}, equal to the total.
 */
export function saveMetricsReportFromRollup(
  total: { saves: readonly SaveRollupRow[]; atRisk: readonly AtRiskRollupRow[] },
  grouped: { saves: readonly SaveRollupRow[]; atRisk: readonly AtRiskRollupRow[] },
  groupBy: readonly SaveDimension[],
  policy: Pick<MetricsPolicy, 'saveSuccess' | 'effortHourlyCostCents'>,
): { total: SaveMetrics; groups: Array<{ key: GroupKey } & SaveMetrics> } {
  const t = saveMetricsFromRollup(total.saves, total.atRisk, policy);
  const groups = groupBy.length
    ? groupSetsByDimensions({ saves: grouped.saves, atRisk: grouped.atRisk }, groupBy, {
        saves: saveRollupDimensionValue,
        atRisk: saveRollupDimensionValue,
      }).map((g) => ({ key: g.key, ...saveMetricsFromRollup(g.sets.saves, g.sets.atRisk, policy) }))
    : [{ key: {}, ...t }];
  return { total: t, groups };
}
