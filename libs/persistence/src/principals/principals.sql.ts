/**
 * Statements on `principals`, the people and integrations that call the api: written
 * when a key is issued (the keys CLI), read for a principal's kind and notification
 * time zone. The management chains and teams that access walks are the access rules'
 * own read (apps/api/src/access/access.sql.ts).
 */
import type { Role } from '@retain/domain';
import type { PrincipalKind } from '../entities';
import type { Queryable } from '../sql';

/** The principal's role, locking its row for the rest of the transaction; undefined when there is none. */
export async function lockPrincipalRole(db: Queryable, id: string): Promise<Role | undefined> {
  const rows: Array<{ role: Role }> = await db.query('SELECT role FROM principals WHERE id = $1 FOR UPDATE', [id]);
  return rows[0]?.role;
}

export interface PrincipalWrite {
  id: string;
  displayName: string;
  role: Role;
  kind: PrincipalKind;
  /** The person's manager; left as it is when undefined, cleared by null. */
  managerId?: string | null;
}

/** Creates the principal, or updates its name, role and kind (and its manager when given). */
export async function upsertPrincipal(db: Queryable, p: PrincipalWrite): Promise<void> {
  await db.query(
    `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, kind = EXCLUDED.kind,
       manager_id = CASE WHEN $6 THEN EXCLUDED.manager_id ELSE principals.manager_id END`,
    [p.id, p.displayName, p.role, p.kind, p.managerId ?? null, p.managerId !== undefined],
  );
}

export async function setPrincipalEmail(db: Queryable, id: string, email: string): Promise<void> {
  await db.query('UPDATE principals SET email = $2 WHERE id = $1', [id, email]);
}

export async function setPrincipalTimeZone(db: Queryable, id: string, timeZone: string): Promise<void> {
  await db.query('UPDATE principals SET time_zone = $2 WHERE id = $1', [id, timeZone]);
}

/** A person's own notification addresses (chat: Slack id or incoming-webhook URL; phone: E.164); null when unset. */
export interface PrincipalContacts {
  email: string | null;
  chat: string | null;
  phone: string | null;
}

/**
 * Sets the fields of `c` that are given (undefined leaves one as it is, null clears it);
 * returns the contacts as stored, or undefined when there is no such principal.
 */
export async function setPrincipalContacts(
  db: Queryable,
  id: string,
  c: { chat?: string | null; phone?: string | null },
): Promise<PrincipalContacts | undefined> {
  const rows: PrincipalContacts[] = await db.query(
    // In a WITH: the driver answers a bare UPDATE … RETURNING with [rows, count].
    `WITH changed AS (
       UPDATE principals SET chat = CASE WHEN $2 THEN $3 ELSE chat END, phone = CASE WHEN $4 THEN $5 ELSE phone END
        WHERE id = $1 RETURNING email, chat, phone)
     SELECT email, chat, phone FROM changed`,
    [id, c.chat !== undefined, c.chat ?? null, c.phone !== undefined, c.phone ?? null],
  );
  return rows[0];
}

export async function readPrincipalContacts(db: Queryable, id: string): Promise<PrincipalContacts | undefined> {
  const rows: PrincipalContacts[] = await db.query('SELECT email, chat, phone FROM principals WHERE id = $1', [id]);
  return rows[0];
}

export async function readPrincipalKind(db: Queryable, id: string): Promise<PrincipalKind | undefined> {
  const rows: Array<{ kind: PrincipalKind }> = await db.query('SELECT kind FROM principals WHERE id = $1', [id]);
  return rows[0]?.kind;
}

export async function principalExists(db: Queryable, id: string): Promise<boolean> {
  const rows: unknown[] = await db.query('SELECT 1 FROM principals WHERE id = $1', [id]);
  return rows.length > 0;
}

/** The own time zone (quiet hours, digests) of each principal of `ids` that exists; null for one without. */
export async function principalTimeZones(db: Queryable, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows: Array<{ id: string; time_zone: string | null }> = await db.query(
    'SELECT id, time_zone FROM principals WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((z) => [z.id, z.time_zone]));
}

/**
 * The people above `principalId` by manager links, nearest first, with their roles (an
 * SLA escalation climbs it). Bounded: a chain deeper than 20 is cut, and a cycle in bad
 * data stops at the first repeat.
 */
export async function managementChainAbove(
  db: Queryable,
  principalId: string,
): Promise<Array<{ id: string; role: Role }>> {
  return db.query(
    `WITH RECURSIVE chain(id, role, depth, seen) AS (
       SELECT m.id, m.role, 1, ARRAY[p.id, m.id] FROM principals p JOIN principals m ON m.id = p.manager_id WHERE p.id = $1
       UNION ALL
       SELECT m.id, m.role, c.depth + 1, c.seen || m.id FROM chain c
         JOIN principals p ON p.id = c.id JOIN principals m ON m.id = p.manager_id
        WHERE c.depth < 20 AND NOT m.id = ANY(c.seen))
     SELECT id, role FROM chain ORDER BY depth`,
    [principalId],
  );
}

/** The principal's name, role and kind (a connector's secret names the principal its events come from). */
export async function readPrincipalIdentity(
  db: Queryable,
  id: string,
): Promise<{ displayName: string; role: Role; kind: PrincipalKind } | undefined> {
  const rows: Array<{ display_name: string; role: Role; kind: PrincipalKind }> = await db.query(
    'SELECT display_name, role, kind FROM principals WHERE id = $1',
    [id],
  );
  const r = rows[0];
  return r ? { displayName: r.display_name, role: r.role, kind: r.kind } : undefined;
}
