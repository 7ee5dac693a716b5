/**
 * Every statement on `rate_limit_counters`: one fixed window per key, shared by every
 * api replica (an UNLOGGED table: a crash loses only the windows under way).
 */
import type { Queryable } from '../sql';

export interface RateLimitWindow {
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends (at least 1). */
  secondsLeft: number;
}

/** Counts one request against `key`'s window of `windowMs`, opening a new window when the last one ended. */
export async function countRequest(db: Queryable, key: string, windowMs: number): Promise<RateLimitWindow> {
  const rows: Array<{ hits: number; seconds_left: number }> = await db.query(
    `INSERT INTO rate_limit_counters AS c (key, hits, expires_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.hits + 1 END,
       expires_at = CASE WHEN c.expires_at <= now() THEN now() + $2 * interval '1 millisecond' ELSE c.expires_at END
     RETURNING hits, GREATEST(1, ceil(extract(epoch FROM (expires_at - now()))))::int AS seconds_left`,
    [key, windowMs],
  );
  const r = rows[0]!;
  return { hits: r.hits, secondsLeft: r.seconds_left };
}

/** Drops windows that ended more than a minute ago. */
export async function dropEndedWindows(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM rate_limit_counters WHERE expires_at < now() - interval '1 minute'`);
}
