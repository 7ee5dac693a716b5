import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { ApiReply, setOnRequest, type ApiRequest } from '../http/http-exchange';
import { ApiKeyStore, type Principal } from '../auth/api-key-store';
import { KEY_LOOKED_UP, presentedKey, type KeyLookedUp } from '../auth/api-key.guard';
import { PostgresThrottlerStorage } from './postgres-throttler.storage';
import { PUBLIC_KEY } from '../auth/roles.decorator';
import { ApiError } from '../problems/error-codes';

/** The names of the two limits, as they appear in the RateLimit headers. */
export const ADDRESS_LIMIT = 'per-address';
export const KEY_LIMIT = 'per-key';

/**
 * Rate limits on @nestjs/throttler, answering in the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "per-key";q=12000;w=60` and
 * `RateLimit: "per-key";r=11993;t=41`), and a 429 problem with `Retry-After` in seconds
 * when a limit is spent. Two guards share the logic: one counts the client's address
 * before authentication (so a flood of bad keys is refused before the secret is checked
 * or a route runs; the key is read in the same statement as the count, so a refused
 * request costs that one statement), one counts the API key after it. Public routes
 * (/health) are not limited.
 */
abstract class RateLimitGuard extends ThrottlerGuard {
  protected abstract readonly limitName: string;

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => t.name === this.limitName);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()]) === true,
    );
  }

  protected override async handleRequest(r: ThrottlerRequest): Promise<boolean> {
    const { req, res: response } = this.getRequestResponse(r.context) as { req: ApiRequest; res: unknown };
    const res = ApiReply.of(response);
    const tracker = await r.getTracker(req, r.context);
    if (!tracker) return true;
    const key = r.generateKey(r.context, tracker, r.throttler.name!);
    const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = await this.count(req, key, r);
    const windowSeconds = Math.round(r.ttl / 1000);
    res.append('RateLimit-Policy', `"${r.throttler.name}";q=${r.limit};w=${windowSeconds}`);
    res.append('RateLimit', `"${r.throttler.name}";r=${Math.max(0, r.limit - totalHits)};t=${timeToExpire}`);
    if (isBlocked) {
      throw new ApiError(
        'REQUEST.RATE_LIMITED',
        `More than ${r.limit} requests in ${windowSeconds} s ${r.throttler.name === KEY_LIMIT ? 'with this API key' : 'from this address'}; retry in ${timeToBlockExpire} s`,
        [],
        { 'Retry-After': String(timeToBlockExpire) },
      );
    }
    return true;
  }

  /** Counts the request against `key`'s window. */
  protected async count(_req: ApiRequest, key: string, r: ThrottlerRequest) {
    return this.storageService.increment(key, r.ttl, r.limit, r.blockDuration, r.throttler.name!);
  }
}

/** Before authentication: the client's address (req.ip, which honours API_TRUST_PROXY behind a load balancer). */
@Injectable()
export class AddressRateLimitGuard extends RateLimitGuard {
  protected readonly limitName = ADDRESS_LIMIT;

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`address:${String((req as unknown as ApiRequest).ip ?? 'unknown')}`);
  }

  /**
   * A request that presents a well-formed key: the address is counted and the key read
   * in one statement, and the key left on the request for ApiKeyGuard (one round trip
   * instead of two on every authenticated request). The count is the same either way.
   */
  protected override async count(req: ApiRequest, key: string, r: ThrottlerRequest) {
    const presented = presentedKey(req);
    const prefix = presented ? ApiKeyStore.prefixOf(presented) : undefined;
    if (!presented || !prefix || !(this.storageService instanceof PostgresThrottlerStorage))
      return super.count(req, key, r);
    const { record, apiKey } = await this.storageService.incrementAndFindKey(key, r.ttl, r.limit, prefix);
    setOnRequest(req, KEY_LOOKED_UP, { presented, apiKey } satisfies KeyLookedUp);
    return record;
  }
}

/** After authentication: the API key (each key its own budget, whoever holds it). */
@Injectable()
export class KeyRateLimitGuard extends RateLimitGuard {
  protected readonly limitName = KEY_LIMIT;

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as { principal?: Principal }).principal;
    return Promise.resolve(principal ? `key:${principal.keyId}` : '');
  }
}
