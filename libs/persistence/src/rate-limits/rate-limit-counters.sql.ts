/**
 * Every statement on `rate_limit_counters`: one fixed window per key, shared by every
 * api replica (an UNLOGGED table: a crash loses only the windows under way).
 */
import { activeApiKeyOf, activeApiKeySelect, type ActiveApiKey } from '../principals/api-keys.sql';
import type { Queryable } from '../sql';

export interface RateLimitWindow {
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends (at least 1). */
  secondsLeft: number;
}

/** The counting upsert: one request against the window of `$1`, `$2` ms long, opening a new window when the last one ended. */
const COUNT_REQUEST = `INSERT INTO rate_limit_counters AS c (key, hits, expires_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.hits + 1 END,
       expires_at = CASE WHEN c.expires_at <= now() THEN now() + $2 * interval '1 millisecond' ELSE c.expires_at END
     RETURNING hits, GREATEST(1, ceil(extract(epoch FROM (expires_at - now()))))::int AS seconds_left`;

/** Counts one request against `key`'s window of `windowMs`, opening a new window when the last one ended. */
export async function countRequest(db: Queryable, key: string, windowMs: number): Promise<RateLimitWindow> {
  const rows: Array<{ hits: number; seconds_left: number }> = await db.query(COUNT_REQUEST, [key, windowMs]);
  const r = rows[0]!;
  return { hits: r.hits, secondsLeft: r.seconds_left };
}

/**
 * countRequest, and in the same statement the active key with `keyPrefix` and its
 * principal (api-keys.sql.ts): the address limit counts a request before it is
 * authenticated, and the key it presents is read in the same round trip instead of a
 * second one (the api's guards, apps/api/src/rate-limits/rate-limit.guard.ts). The
 * count does not depend on the key: an unknown key is counted as any request is.
 */
export async function countRequestAndFindKey(
  db: Queryable,
  key: string,
  windowMs: number,
  keyPrefix: string,
): Promise<RateLimitWindow & { apiKey: ActiveApiKey | undefined }> {
  const rows: Array<{ hits: number; seconds_left: number } & Parameters<typeof activeApiKeyOf>[0]> = await db.query(
    `WITH counted AS (${COUNT_REQUEST})
     SELECT counted.hits, counted.seconds_left, k.* FROM counted LEFT JOIN (${activeApiKeySelect('$3')}) k ON true`,
    [key, windowMs, keyPrefix],
  );
  const r = rows[0]!;
  return { hits: r.hits, secondsLeft: r.seconds_left, apiKey: activeApiKeyOf(r) };
}

/** Drops windows that ended more than a minute ago. */
export async function dropEndedWindows(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM rate_limit_counters WHERE expires_at < now() - interval '1 minute'`);
}
