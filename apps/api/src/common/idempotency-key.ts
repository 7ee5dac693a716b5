import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiRequest } from '../http/http-exchange';
import { ApiError } from '../problems/error-codes';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** Validates an optional Idempotency-Key header; a malformed one is a 400, never ignored. */
export function idempotencyKey(raw: string | undefined): string | undefined {
  if (raw !== undefined && !IDEMPOTENCY_KEY.test(raw)) {
    throw new ApiError(
      'VALIDATION.FAILED',
      'Idempotency-Key must be 1-200 letters, digits, dots, colons, dashes or underscores',
      [{ field: 'Idempotency-Key', message: 'is not a valid key' }],
    );
  }
  return raw;
}

/**
 * The request's Idempotency-Key header, validated (a malformed one is a 400). A custom
 * parameter decorator rather than @Headers, so the OpenAPI document declares the header
 * once, from the operation's contract.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const raw = ctx.switchToHttp().getRequest<ApiRequest>().headers['idempotency-key'];
  return idempotencyKey(Array.isArray(raw) ? raw.join(',') : raw);
});
