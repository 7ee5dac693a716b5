/**
 * Every statement on `alerts`, the early-warning alerts' read model: written by the
 * account workflow's activity only with a newer revision of the alert, read by the api
 * (one alert, the filtered list newest first with keyset pages, an account's open ones).
 */
import { fromScopedToAccount, SqlConditions, type AccountScope, type Queryable } from '../sql';

/** The alert's row as the account workflow states it; `data` is the whole alert record. */
export interface AlertWrite {
  id: string;
  accountId: string;
  ruleId: string;
  group: string;
  severity: string;
  state: string;
  ownerCsmId: string | null;
  csmManagerId: string | null;
  escalationLevel: number;
  triggeredAt: string;
  respondBy: string;
  deliverAt: string;
  data: unknown;
  revision: number;
}

/**
 * Inserts the alert, or overwrites its state, escalation level and record when `w` is a
 * newer revision. True when this call inserted it: the alert was raised (counted once
 * however often its writes are retried).
 */
export async function writeAlert(db: Queryable, w: AlertWrite): Promise<boolean> {
  // `known` reads the table as it was before the statement: no row yet means this insert raised it.
  const rows: Array<{ inserted: boolean }> = await db.query(
    `WITH known AS (SELECT 1 FROM alerts WHERE id = $1)
     INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level, triggered_at, respond_by, deliver_at, data, revision, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14, now())
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, escalation_level = EXCLUDED.escalation_level, data = EXCLUDED.data, revision = EXCLUDED.revision, updated_at = now()
     WHERE alerts.revision < EXCLUDED.revision
     RETURNING NOT EXISTS (SELECT 1 FROM known) AS inserted`,
    [
      w.id,
      w.accountId,
      w.ruleId,
      w.group,
      w.severity,
      w.state,
      w.ownerCsmId,
      w.csmManagerId,
      w.escalationLevel,
      w.triggeredAt,
      w.respondBy,
      w.deliverAt,
      JSON.stringify(w.data),
      w.revision,
    ],
  );
  return rows[0]?.inserted === true;
}

/** An alert as read: its account, when it triggered, and its record (`D`). */
export interface AlertRow<D> {
  id: string;
  accountId: string;
  triggeredAt: Date;
  data: D;
}

type RawAlertRow<D> = { id: string; account_id: string; triggered_at: Date; data: D };
const toAlert = <D>(r: RawAlertRow<D>): AlertRow<D> => ({
  id: r.id,
  accountId: r.account_id,
  triggeredAt: r.triggered_at,
  data: r.data,
});

/** One alert; null for an id the read model does not know. */
export async function readAlert<D>(db: Queryable, id: string): Promise<AlertRow<D> | null> {
  const rows: Array<RawAlertRow<D>> = await db.query(
    'SELECT a.id, a.account_id, a.triggered_at, a.data FROM alerts a WHERE a.id = $1',
    [id],
  );
  return rows[0] ? toAlert(rows[0]) : null;
}

export interface AlertListFilter {
  accountId?: string;
  severity?: string;
  group?: string;
  /** The CSM the alert is routed to. */
  assignee?: string;
  /** A state, or `escalated`: open and escalated at least once. */
  state?: string;
  /** The keyset cursor: alerts triggered before this instant, or at it with a smaller id. */
  before?: { triggeredAt: string; id: string };
  limit: number;
}

/** The alerts `scope` lets the reader see (by the account's people now), newest first; fetches `limit + 1` so the caller knows whether a next page exists. */
export async function listAlerts<D>(
  db: Queryable,
  f: AlertListFilter,
  scope: AccountScope,
): Promise<Array<AlertRow<D>>> {
  const c = new SqlConditions();
  const from = fromScopedToAccount(c, 'alerts', 'a', scope, 'acc');
  if (f.accountId) c.add('a.account_id = ?', f.accountId);
  if (f.severity) c.add('a.severity = ?', f.severity);
  if (f.group) c.add('a.alert_group = ?', f.group);
  if (f.assignee) c.add('a.owner_csm_id = ?', f.assignee);
  if (f.state === 'escalated') c.push(`a.state = 'open' AND a.escalation_level > 0`);
  else if (f.state) c.add('a.state = ?', f.state);
  if (f.before)
    c.push(`(a.triggered_at, a.id) < (${c.bind(f.before.triggeredAt)}::timestamptz, ${c.bind(f.before.id)})`);
  const rows: Array<RawAlertRow<D>> = await db.query(
    `SELECT a.id, a.account_id, a.triggered_at, a.data FROM ${from}
      ${c.where} ORDER BY a.triggered_at DESC, a.id DESC LIMIT ${c.bind(f.limit + 1)}`,
    c.params,
  );
  return rows.map(toAlert);
}

/** The records of an account's alerts not yet resolved, newest first (at most 100). */
export async function openAlertsOfAccount<D>(db: Queryable, accountId: string): Promise<D[]> {
  const rows: Array<{ data: D }> = await db.query(
    `SELECT data FROM alerts WHERE account_id = $1 AND state <> 'resolved' ORDER BY triggered_at DESC LIMIT 100`,
    [accountId],
  );
  return rows.map((r) => r.data);
}
