/**
 * Every statement on the Segment connector's usage rollup (`segment_usage_users`,
 * `segment_usage_days`; docs/connectors/segment.md). Run in the transaction that stores
 * the call's connector event, so a call is counted exactly when its messageId is stored.
 */
import type { Queryable } from '../sql';

/** What one counted call adds to its user's day (libs/domain: SegmentUsageCount). */
export interface SegmentUsageIncrement {
  accountId: string;
  day: string;
  userId: string;
  occurredAt: string;
  keyUser: boolean;
  logins: number;
  coreFeatureUses: number;
  sessions: number;
  sessionMinutes: number;
  dataCreated: number;
}

export interface SegmentWindowRow {
  activeUsers: number;
  keyUserLogins: number;
  coreFeatureUses: number;
  sessions: number;
  sessionMinutes: number;
  dataCreated: number;
}

export interface SegmentUsageDay {
  latestCallAt: string;
  readings: number;
  readingAt: string | null;
  reading: unknown;
}

/** Serialises the counting of one account's day until the transaction ends (two calls of the day racing each other). */
export async function lockSegmentUsageDay(db: Queryable, accountId: string, day: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('segment-usage'), hashtext($1 || '/' || $2))`, [
    accountId,
    day,
  ]);
}

/** Adds a call to its user's day and notes the day's latest call; returns the day as it is now. */
export async function addSegmentUsage(db: Queryable, c: SegmentUsageIncrement): Promise<SegmentUsageDay> {
  await db.query(
    `INSERT INTO segment_usage_users AS u (account_id, day, user_id, key_user, calls, logins, core_feature_uses,
                                           sessions, session_minutes, data_created)
     VALUES ($1, $2::date, $3, $4, 1, $5, $6, $7, $8, $9)
     ON CONFLICT (account_id, day, user_id) DO UPDATE
       SET key_user = u.key_user OR EXCLUDED.key_user,
           calls = u.calls + 1,
           logins = u.logins + EXCLUDED.logins,
           core_feature_uses = u.core_feature_uses + EXCLUDED.core_feature_uses,
           sessions = u.sessions + EXCLUDED.sessions,
           session_minutes = u.session_minutes + EXCLUDED.session_minutes,
           data_created = u.data_created + EXCLUDED.data_created`,
    [c.accountId, c.day, c.userId, c.keyUser, c.logins, c.coreFeatureUses, c.sessions, c.sessionMinutes, c.dataCreated],
  );
  const rows: Array<{ latest_call_at: Date; readings: number; reading_at: Date | null; reading: unknown }> =
    await db.query(
      `INSERT INTO segment_usage_days AS d (account_id, day, latest_call_at) VALUES ($1, $2::date, $3)
       ON CONFLICT (account_id, day) DO UPDATE SET latest_call_at = GREATEST(d.latest_call_at, EXCLUDED.latest_call_at)
       RETURNING latest_call_at, readings, reading_at, reading`,
      [c.accountId, c.day, c.occurredAt],
    );
  const r = rows[0]!;
  return {
    latestCallAt: r.latest_call_at.toISOString(),
    readings: r.readings,
    readingAt: r.reading_at ? r.reading_at.toISOString() : null,
    reading: r.reading,
  };
}

/**
 * The trailing window of `days` days ending on `day`: its distinct users, the logins of
 * those marked key users on any day of it, and the sums of the other counts.
 */
export async function segmentWindowTotals(
  db: Queryable,
  accountId: string,
  day: string,
  days: number,
): Promise<SegmentWindowRow> {
  const rows: Array<Record<string, number>> = await db.query(
    `WITH w AS (
       SELECT * FROM segment_usage_users
        WHERE account_id = $1 AND day BETWEEN $2::date - ($3::int - 1) AND $2::date),
     k AS (SELECT DISTINCT user_id FROM w WHERE key_user)
     SELECT count(DISTINCT w.user_id)::int AS active_users,
            COALESCE(sum(w.logins) FILTER (WHERE w.user_id IN (SELECT user_id FROM k)), 0)::int AS key_user_logins,
            COALESCE(sum(w.core_feature_uses), 0)::int AS core_feature_uses,
            COALESCE(sum(w.sessions), 0)::int AS sessions,
            COALESCE(sum(w.session_minutes), 0)::float8 AS session_minutes,
            COALESCE(sum(w.data_created), 0)::int AS data_created
       FROM w`,
    [accountId, day, days],
  );
  const r = rows[0]!;
  return {
    activeUsers: r.active_users!,
    keyUserLogins: r.key_user_logins!,
    coreFeatureUses: r.core_feature_uses!,
    sessions: r.sessions!,
    sessionMinutes: r.session_minutes!,
    dataCreated: r.data_created!,
  };
}

/** Records the reading given to the account's workflow for the day: its number, time and figures. */
export async function recordSegmentReading(
  db: Queryable,
  accountId: string,
  day: string,
  reading: { number: number; at: string; payload: unknown },
): Promise<void> {
  await db.query(
    `UPDATE segment_usage_days SET readings = $3, reading_at = $4, reading = $5 WHERE account_id = $1 AND day = $2::date`,
    [accountId, day, reading.number, reading.at, JSON.stringify(reading.payload)],
  );
}
