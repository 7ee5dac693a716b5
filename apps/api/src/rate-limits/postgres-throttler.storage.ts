import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';
import {
  countRequest,
  countRequestAndFindKey,
  dropEndedWindows,
  poolQueryable,
  type ActiveApiKey,
  type Queryable,
  type RateLimitWindow,
} from '@retain/persistence';

/** The throttler's own record type (not exported by the package's index). */
interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** A window as the throttler reads it: over the limit, the key is refused until the window ends. */
function record(w: RateLimitWindow, limit: number): ThrottlerStorageRecord {
  const blocked = w.hits > limit;
  return {
    totalHits: w.hits,
    timeToExpire: w.secondsLeft,
    isBlocked: blocked,
    timeToBlockExpire: blocked ? w.secondsLeft : 0,
  };
}

/**
 * @nestjs/throttler's storage in PostgreSQL, so every api replica counts against the
 * same windows (the package's in-memory store counts per process). Fixed windows: a
 * key over its limit is refused until its window ends, which is what Retry-After says.
 */
@Injectable()
export class PostgresThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresThrottlerStorage.name);
  private sweeper?: NodeJS.Timeout;

  /** The counters every request bumps, on the pool without TypeORM's query runner. */
  private readonly perRequest: Queryable;

  constructor(private readonly db: DataSource) {
    this.perRequest = poolQueryable(db);
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    this.sweepEndedWindows();
    return record(await countRequest(this.perRequest, key, ttl), limit);
  }

  /**
   * increment, and in the same statement the active key with `keyPrefix` (undefined for
   * none): the address limit's count of a request that presents a key.
   */
  async incrementAndFindKey(
    key: string,
    ttl: number,
    limit: number,
    keyPrefix: string,
  ): Promise<{ record: ThrottlerStorageRecord; apiKey: ActiveApiKey | undefined }> {
    this.sweepEndedWindows();
    const w = await countRequestAndFindKey(this.perRequest, key, ttl, keyPrefix);
    return { record: record(w, limit), apiKey: w.apiKey };
  }

  /** From the first request on, once a minute: ended windows are dropped (any replica may do it). */
  private sweepEndedWindows(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      dropEndedWindows(this.db).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not drop ended rate-limit windows'),
      );
    }, 60_000);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
