import { saveListStatement, type SaveListFilter } from '@retain/persistence';
import { accountScope, type ListReader } from '../access/access.sql';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor } from '../common/keyset-cursor';
import type { ListSavesQuery } from './dto/save.dto';
import { SAVE_ID } from '../common/business-ids';

/**
 * `GET /saves`'s query as the managers' list of save_efforts.sql.ts takes it: the
 * filters, the order and the keyset cursor (a cursor this API did not issue is a 400).
 */
export function saveListFilter(q: ListSavesQuery): SaveListFilter {
  const sort = q.sort === 'arr' ? 'arr' : 'deadline';
  const cursor = q.cursor
    ? decodeCursor(q.cursor, [sort === 'arr' ? 'cents' : 'instantOrInfinity', SAVE_ID])
    : undefined;
  return {
    sort,
    limit: q.limit ?? 50,
    ...(q.status ? { status: q.status } : {}),
    ...(q.effortLevel ? { effortLevel: q.effortLevel } : {}),
    ...(q.probabilityTier ? { probabilityTier: q.probabilityTier } : {}),
    ...(q.owner ? { owner: q.owner } : {}),
    ...(q.manager ? { manager: q.manager } : {}),
    ...(q.segment ? { segment: q.segment } : {}),
    ...(q.overdue === 'true' ? { overdue: true } : q.overdue === 'false' ? { overdue: false } : {}),
    ...(q.renewalDateFrom ? { renewalDateFrom: q.renewalDateFrom } : {}),
    ...(q.renewalDateTo ? { renewalDateTo: q.renewalDateTo } : {}),
    ...(cursor ? { after: { sortKey: cursor[0]!, id: cursor[1]! } } : {}),
  };
}

/**
 * The SQL one page of the managers' list runs for a reader (his visibility: docs/access.md),
 * as the service runs it: test/integration/saves-list.spec.ts checks its plans and
 * bench/managers-list.mjs times it.
 */
export function savesListQuery(
  q: ListSavesQuery,
  p: Pick<Principal, 'id' | 'role'> & Pick<ListReader, 'team'>,
): { text: string; params: unknown[] } {
  return saveListStatement(saveListFilter(q), accountScope(p.role, 'save', 'read', p));
}
