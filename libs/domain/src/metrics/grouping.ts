/**
 * Grouping metric rows by the dimensions a request names (docs/metrics.md, "Conventions",
 * groupBy): one group per combination of values that occurs, in a fixed order. A row with
 * several values of a dimension (a save with two kinds of concession) counts in the group
 * of each; a row with none of them is in the group of null.
 */

/** A group's key: each dimension asked for with its value (null: the row has none). */
export type GroupKey = Record<string, string | null>;

export interface MetricGroup<R> {
  key: GroupKey;
  rows: R[];
}

/** The values of one dimension of a row: one, none (null) or several. */
export type DimensionValue = string | null | readonly string[];

/**
 * The rows grouped by `dimensions` (in the order given), the groups ordered by their
 * key values (null last). No dimensions: one group of every row with the key {} (also
 * when there are no rows). A row with several values of a dimension is in each of their
 * groups; with none (an empty list) in the group of null.
 */
export function groupByDimensions<R, D extends string>(
  rows: readonly R[],
  dimensions: readonly D[],
  valueOf: (row: R, dimension: D) => DimensionValue,
): Array<MetricGroup<R>> {
  if (dimensions.length === 0) return [{ key: {}, rows: [...rows] }];
  const groups = new Map<string, MetricGroup<R>>();
  for (const row of rows) {
    let keys: Array<Array<string | null>> = [[]];
    for (const d of dimensions) {
      const v = valueOf(row, d);
      const values: Array<string | null> =
        typeof v === 'string' || v === null ? [v] : v.length ? [...new Set(v)] : [null];
      keys = keys.flatMap((k) => values.map((value) => [...k, value]));
    }
    for (const values of keys) {
      const id = JSON.stringify(values);
      let group = groups.get(id);
      if (!group) {
        group = { key: Object.fromEntries(dimensions.map((d, i) => [d, values[i]!])), rows: [] };
        groups.set(id, group);
      }
      group.rows.push(row);
    }
  }
  return [...groups.values()].sort((a, b) => compareKeys(a.key, b.key, dimensions));
}

function compareKeys(a: GroupKey, b: GroupKey, dimensions: readonly string[]): number {
  for (const d of dimensions) {
    const x = a[d] ?? null;
    const y = b[d] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** One group of several sets of rows (a save's metrics read saves and at-risk renewals): each set's rows in it. */
export interface MetricGroupOfSets<S extends Record<string, readonly unknown[]>> {
  key: GroupKey;
  sets: { [K in keyof S]: Array<S[K][number]> };
}

/**
 * Several sets of rows grouped by the same dimensions: each set grouped as by
 * groupByDimensions, the groups of the same key put together (a set without rows in a
 * group has an empty list there), in key order. No dimensions: one group of everything.
 */
export function groupSetsByDimensions<S extends Record<string, readonly unknown[]>, D extends string>(
  sets: S,
  dimensions: readonly D[],
  valueOf: { [K in keyof S]: (row: S[K][number], dimension: D) => DimensionValue },
): Array<MetricGroupOfSets<S>> {
  const names = Object.keys(sets) as Array<keyof S>;
  const empty = () => Object.fromEntries(names.map((n) => [n, []])) as unknown as MetricGroupOfSets<S>['sets'];
  const merged = new Map<string, MetricGroupOfSets<S>>();
  for (const name of names) {
    for (const g of groupByDimensions(sets[name] as S[keyof S], dimensions, valueOf[name])) {
      const id = JSON.stringify(dimensions.map((d) => g.key[d] ?? null));
      let group = merged.get(id);
      if (!group) {
        group = { key: g.key, sets: empty() };
        merged.set(id, group);
      }
      group.sets[name] = g.rows;
    }
  }
  if (dimensions.length === 0 && merged.size === 0) return [{ key: {}, sets: empty() }];
  return [...merged.values()].sort((a, b) => compareKeys(a.key, b.key, dimensions));
}
