/**
 * Every statement on `renewal_audit`, each renewal's append-only trail (who or what,
 * when, why): entries are inserted once by their sequence number, so writing a later
 * state again adds only the new ones.
 */
import type { Queryable } from '../sql';

export interface RenewalAuditEntry {
  seq: number;
  /** An instant (ISO text when written, a Date when read). */
  at: string | Date;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

/** Appends the entries not yet recorded, in one statement. */
export async function appendRenewalAudit(
  db: Queryable,
  renewalId: string,
  entries: readonly RenewalAuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const values: unknown[] = [];
  const rows = entries.map((e, i) => {
    values.push(renewalId, e.seq, e.at, e.actor, e.action, JSON.stringify(e.detail));
    return `($${i * 6 + 1},$${i * 6 + 2},$${i * 6 + 3},$${i * 6 + 4},$${i * 6 + 5},$${i * 6 + 6})`;
  });
  await db.query(
    `INSERT INTO renewal_audit (renewal_id, seq, at, actor, action, detail) VALUES ${rows.join(',')} ON CONFLICT DO NOTHING`,
    values,
  );
}

/** The renewal's trail in order. */
export async function listRenewalAudit(
  db: Queryable,
  renewalId: string,
): Promise<Array<RenewalAuditEntry & { at: Date }>> {
  const rows: Array<{ seq: number; at: Date; actor: string; action: string; detail: Record<string, unknown> }> =
    await db.query('SELECT seq, at, actor, action, detail FROM renewal_audit WHERE renewal_id = $1 ORDER BY seq', [
      renewalId,
    ]);
  return rows.map((h) => ({ seq: Number(h.seq), at: h.at, actor: h.actor, action: h.action, detail: h.detail }));
}
