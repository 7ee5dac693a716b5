import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import type { ListSavesQuery } from './dto/save.dto';

/** Roles that read every save (a CSM reads only the saves of its own accounts). */
export const READS_ALL = new Set(['csm_manager', 'director', 'vp', 'cs_ops']);

/** The save_efforts columns of a list item (SaveSummaryView): not the state document, which is large. */
const SUMMARY_COLUMNS = ['id', 'renewal_id', 'account_id', 'status', 'effort_level', 'probability_tier', 'value_tier', 'time_band', 'deadline', 'arr_cents', 'owner_csm_id', 'csm_manager_id', 'overdue_items', 'expected_value_hours']
  .map((c) => `s.${c}`)
  .join(', ');

/**
 * The SQL of one page of the managers' list (GET /saves): the caller's visibility, the
 * filters, the order (ARR at risk, largest first, or deadline, soonest first and none
 * last) and the keyset cursor, fetching `limit + 1` rows to know whether a next page
 * exists. With a status filter each order is an index range scan in page order that
 * starts at the cursor (save_efforts_status_arr_idx, save_efforts_status_deadline_key_idx;
 * test/integration/saves-list.spec.ts checks the plans, bench/managers-list.mjs times
 * this very SQL). A cursor this API did not issue is a 400.
 */
export function savesListQuery(q: ListSavesQuery, p: Pick<Principal, 'id' | 'role'>): { text: string; params: unknown[]; limit: number; byArr: boolean } {
  const limit = q.limit ?? 50;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (p.role === 'csm') add('s.owner_csm_id = ?', p.id);
  else if (!READS_ALL.has(p.role)) where.push('false');
  if (q.status) add('s.status = ?', q.status);
  if (q.effortLevel) add('s.effort_level = ?', q.effortLevel);
  if (q.probabilityTier) add('s.probability_tier = ?', q.probabilityTier);
  if (q.owner) add('s.owner_csm_id = ?', q.owner);
  if (q.manager) add('s.csm_manager_id = ?', q.manager);
  if (q.segment) add('s.segment = ?', q.segment);
  if (q.overdue === 'true') where.push('s.overdue_items > 0');
  if (q.overdue === 'false') where.push('s.overdue_items = 0');
  if (q.renewalDateFrom) add('s.renewal_date >= ?', q.renewalDateFrom);
  if (q.renewalDateTo) add('s.renewal_date <= ?', q.renewalDateTo);
  const byArr = q.sort === 'arr';
  const sortKey = byArr ? 's.arr_cents' : "COALESCE(s.deadline, 'infinity'::timestamptz)";
  if (q.cursor) {
    let cursor: [string, string];
    try {
      cursor = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as [string, string];
      if (!Array.isArray(cursor) || cursor.length !== 2 || typeof cursor[0] !== 'string' || typeof cursor[1] !== 'string') throw new Error('shape');
      const sortValueOk = byArr ? /^\d{1,15}$/.test(cursor[0]) : /^(infinity|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.test(cursor[0]);
      if (!sortValueOk) throw new Error('sort value');
    } catch {
      throw new ApiError('VALIDATION.FAILED', 'The cursor is not one this API issued', [{ field: 'cursor', message: 'is not a valid cursor' }]);
    }
    params.push(cursor[0], cursor[1]);
    const a = `$${params.length - 1}`;
    const b = `$${params.length}`;
    // ARR descending, id ascending: no row comparison fits the mixed directions, so the
    // bound `arr_cents <= cursor` is stated too; it lets the index scan start at the
    // cursor instead of reading every row before it.
    where.push(byArr ? `s.arr_cents <= ${a}::bigint AND (s.arr_cents < ${a}::bigint OR (s.arr_cents = ${a}::bigint AND s.id > ${b}))` : `(${sortKey}, s.id) > (${a}::timestamptz, ${b})`);
  }
  params.push(limit + 1);
  const text = `SELECT ${SUMMARY_COLUMNS}, s.renewal_date::text AS renewal_date_text, a.name AS account_name, ${sortKey} AS sort_value FROM save_efforts s JOIN accounts a ON a.id = s.account_id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${byArr ? 's.arr_cents DESC' : `${sortKey} ASC`}, s.id ASC LIMIT $${params.length}`;
  return { text, params, limit, byArr };
}
