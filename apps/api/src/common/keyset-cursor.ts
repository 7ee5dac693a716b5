import { isIsoDate } from '@retain/domain';
import { ApiError } from '../problems/error-codes';

/**
 * The opaque `cursor` of every keyset-paginated list: the last row's sort values,
 * base64url-encoded JSON. Decoding checks each value against its kind, so a cursor that
 * decodes but holds what the query cannot take (2027-02-30, month 13, a number past
 * bigint) is a 400 naming `cursor`, never a database error.
 */
export type CursorPart =
  | 'date' // a calendar date, YYYY-MM-DD
  | 'instant' // an instant as toISOString() writes it
  | 'instantOrInfinity' // an instant in milliseconds or microseconds (as below), or `infinity` (sorts last)
  | 'instantMicros' // an instant to the microsecond, as PostgreSQL keeps it (YYYY-MM-DDTHH:MM:SS.ffffffZ)
  | 'cents' // a non-negative integer amount that fits bigint
  | 'seq' // a positive sequence number
  | RegExp; // an id of this pattern

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function fits(part: CursorPart, value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 300) return false;
  if (part instanceof RegExp) return part.test(value);
  switch (part) {
    case 'date':
      return isIsoDate(value);
    case 'instant':
      return INSTANT.test(value) && Number.isFinite(Date.parse(value)) && new Date(value).toISOString() === value;
    case 'instantOrInfinity':
      return value === 'infinity' || fits('instant', value) || fits('instantMicros', value);
    case 'instantMicros': {
      const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/.exec(value);
      return m !== null && fits('instant', `${m[1]}Z`);
    }
    case 'cents':
      return /^\d{1,15}$/.test(value);
    case 'seq':
      return /^[1-9]\d{0,15}$/.test(value) && Number(value) <= Number.MAX_SAFE_INTEGER;
  }
}

export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor this API issued for a list whose keys are `parts`; a 400 otherwise. */
export function decodeCursor(raw: string, parts: readonly CursorPart[]): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== parts.length || !parts.every((p, i) => fits(p, values[i]))) {
    throw new ApiError('VALIDATION.FAILED', 'The cursor is not one this API issued', [
      { field: 'cursor', message: 'is not a valid cursor' },
    ]);
  }
  return values as string[];
}
