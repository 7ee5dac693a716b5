import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { requestPath, type ApiRequest } from '../http/http-exchange';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import type { DataSource } from 'typeorm';
import { canonicalJson } from '@retain/domain';
import { claimIdempotencyKey, readIdempotencyClaim, releaseIdempotencyKey } from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError, ERROR_CATALOGUE } from '../problems/error-codes';
import { idempotencyKey } from './idempotency-key';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The status an error will be answered with, as far as this layer can tell. */
function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiError) return ERROR_CATALOGUE[error.code].status;
  const s = (error as { getStatus?: () => number } | null)?.getStatus?.();
  return typeof s === 'number' ? s : undefined;
}

/**
 * `Idempotency-Key` on writes (README, "The renewal timeline"): the first request with a key claims it for the
 * caller with the fingerprint of its method, path and body. A retry with the same
 * request goes through (the workflow update or start it makes is itself deduplicated by
 * the key, so it returns the first result); the same key with a different request is a
 * 409 and changes nothing. A request refused with a 4xx changed nothing, so its claim is
 * released and the key may be used again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ApiRequest & { principal?: Principal }>();
    const raw = req.headers['idempotency-key'];
    if (!WRITES.has(req.method) || raw === undefined || !req.principal) return next.handle();
    const key = idempotencyKey(Array.isArray(raw) ? raw.join(',') : raw)!;
    const principalId = req.principal.id;
    const path = requestPath(req);
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${path}\n${canonicalJson(req.body ?? null)}`)
      .digest('hex');
    return from(this.claim(principalId, key, fingerprint, req.method, path)).pipe(
      mergeMap((fresh) =>
        next.handle().pipe(
          catchError(async (error: unknown) => {
            const status = statusOf(error);
            if (fresh && status !== undefined && status >= 400 && status < 500) {
              await releaseIdempotencyKey(this.db, { principalId, key, fingerprint });
            }
            throw error;
          }),
        ),
      ),
    );
  }

  /** True when this request claimed the key; false for a retry of the same request. */
  private async claim(
    principalId: string,
    key: string,
    fingerprint: string,
    method: string,
    path: string,
  ): Promise<boolean> {
    if (await claimIdempotencyKey(this.db, { principalId, key, fingerprint, method, path })) return true;
    const first = await readIdempotencyClaim(this.db, principalId, key);
    // Released between our insert and select: the earlier request failed; try again.
    if (!first) return this.claim(principalId, key, fingerprint, method, path);
    if (first.fingerprint !== fingerprint) {
      throw new ApiError(
        'IDEMPOTENCY.KEY_REUSED',
        `Idempotency-Key ${key} was first used for a different request (${first.method} ${first.path}); use a new key for a new request`,
      );
    }
    return false;
  }
}
