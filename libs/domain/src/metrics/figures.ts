/**
 * The shape every metric answers in (docs/metrics.md, "Conventions"): a figure carries its
 * numerator and denominator, so a reader can check it and add groups up; its value is
 * null when nothing was counted (never a division by zero shown as 0 or NaN).
 */
export interface Figure {
  value: number | null;
  numerator: number;
  denominator: number;
}

/** numerator / denominator, null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): Figure {
  return { value: denominator === 0 ? null : numerator / denominator, numerator, denominator };
}

/** A figure that is a plain count or amount (its denominator is 1). */
export function amount(value: number): Figure {
  return { value, numerator: value, denominator: 1 };
}

/**
 * The median of `values` (the mean of the two middle ones for an even count), null for
 * none. As a figure: numerator the median, denominator the number of values.
 */
export function median(values: readonly number[]): Figure {
  if (values.length === 0) return { value: null, numerator: 0, denominator: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { value: m, numerator: m, denominator: sorted.length };
}

/** Rows grouped by the key `keyOf` gives, in first-seen order. */
export function groupRows<R>(rows: readonly R[], keyOf: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
