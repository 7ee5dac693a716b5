/** The small checks the policy sections share. */

/** Whether `value` is one of `values` (a readonly list of literals, e.g. the list a union type is derived from). */
export function oneOf(values: readonly unknown[], value: unknown): boolean {
  return values.includes(value);
}

export function wholeAtLeast(n: number, min: number): boolean {
  return Number.isInteger(n) && n >= min;
}
