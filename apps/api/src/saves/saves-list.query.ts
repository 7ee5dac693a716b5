import { listScope } from '@retain/domain';
import { scopePredicate, type ListReader } from '../access/access.sql';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor } from '../common/keyset-cursor';
import type { ListSavesQuery } from './dto/save.dto';

const SAVE_ID = /^save:[A-Za-z0-9][A-Za-z0-9._-]{0,127}:\d{4}-\d{2}-\d{2}$/;

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
export function savesListQuery(q: ListSavesQuery, p: Pick<Principal, 'id' | 'role'> & Pick<ListReader, 'team'>): { text: string; params: unknown[]; limit: number; byArr: boolean } {
  const limit = q.limit ?? 50;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  // What the caller may see (docs/access.md): the saves of the accounts he stands to.
  where.push(
    scopePredicate(listScope(p.role, 'save', 'read'), p, 'a', (value) => {
      params.push(value);
      return `$${params.length}`;
    }),
  );
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
    const cursor = decodeCursor(q.cursor, [byArr ? 'cents' : 'instantOrInfinity', SAVE_ID]);
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
