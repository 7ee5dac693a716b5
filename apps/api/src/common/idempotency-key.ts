import { ApiError } from '../problems/error-codes';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** Validates an optional Idempotency-Key header; a malformed one is a 400, never ignored. */
export function idempotencyKey(raw: string | undefined): string | undefined {
  if (raw !== undefined && !IDEMPOTENCY_KEY.test(raw)) {
    throw new ApiError('VALIDATION.FAILED', 'Idempotency-Key must be 1-200 letters, digits, dots, colons, dashes or underscores', [{ field: 'Idempotency-Key', message: 'is not a valid key' }]);
  }
  return raw;
}
