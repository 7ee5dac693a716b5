/**
 * Every statement on `account_health_observations`: the health scores and usage changes
 * integrations report, stored once per (source, event id) by the account workflow's
 * activity; post-save monitoring's weekly check reads the latest, an account's risk view
 * its recent trend.
 */
import type { HealthReading } from '@retain/domain';
import { numberOrNull, type Queryable } from '../sql';

export interface HealthObservation {
  accountId: string;
  observedAt: string;
  healthScore: number | null;
  usageChangePct: number | null;
  source: string;
  eventId: string;
}

/** Stores a reading once per (source, event id). */
export async function recordHealthObservation(db: Queryable, o: HealthObservation): Promise<void> {
  await db.query(
    `INSERT INTO account_health_observations (account_id, observed_at, health_score, usage_change_pct, source, event_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING`,
    [o.accountId, o.observedAt, o.healthScore, o.usageChangePct, o.source, o.eventId],
  );
}

/**
 * The latest health score and the latest usage change (integrations may report them
 * separately) among the readings observed in `window` (after, upTo], or among all without
 * one; null when there is none.
 */
export async function readLatestHealth(
  db: Queryable,
  accountId: string,
  window?: { after: string; upTo: string },
): Promise<HealthReading | null> {
  const within = `account_id = $1 AND ($2::timestamptz IS NULL OR observed_at > $2) AND ($3::timestamptz IS NULL OR observed_at <= $3)`;
  const rows: Array<{ health_score: string | null; usage_change_pct: string | null; observed_at: Date | null }> =
    await db.query(
      `SELECT
       (SELECT health_score FROM account_health_observations WHERE ${within} AND health_score IS NOT NULL ORDER BY observed_at DESC, id DESC LIMIT 1) AS health_score,
       (SELECT usage_change_pct FROM account_health_observations WHERE ${within} AND usage_change_pct IS NOT NULL ORDER BY observed_at DESC, id DESC LIMIT 1) AS usage_change_pct,
       (SELECT max(observed_at) FROM account_health_observations WHERE ${within}) AS observed_at`,
      [accountId, window?.after ?? null, window?.upTo ?? null],
    );
  const r = rows[0];
  if (!r?.observed_at) return null;
  return {
    healthScore: numberOrNull(r.health_score),
    usageChangePct: numberOrNull(r.usage_change_pct),
    observedAt: r.observed_at.toISOString(),
  };
}

/** The account's last `count` readings, oldest first (its risk view's health trend). */
export async function recentHealth(
  db: Queryable,
  accountId: string,
  count: number,
): Promise<Array<{ at: string; healthScore: number | null; usageChangePct: number | null }>> {
  const rows: Array<{ observed_at: Date; health_score: string | null; usage_change_pct: string | null }> =
    await db.query(
      'SELECT observed_at, health_score, usage_change_pct FROM account_health_observations WHERE account_id = $1 ORDER BY observed_at DESC LIMIT $2',
      [accountId, count],
    );
  return rows.reverse().map((h) => ({
    at: h.observed_at.toISOString(),
    healthScore: numberOrNull(h.health_score),
    usageChangePct: numberOrNull(h.usage_change_pct),
  }));
}
