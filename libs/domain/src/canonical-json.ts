/**
 * JSON with object keys sorted, so the same value always has the same fingerprint (the
 * Idempotency-Key check, a renewal launch's details, a policy file's version). Request bodies reach
 * it after the input limits (apps/api/src/common/input-limits.ts), so its recursion is bounded.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
