import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import { createDataSource } from '@retain/persistence';
import type { Principal } from '../../apps/api/src/auth/api-key-store';
import { savesListQuery } from '../../apps/api/src/saves/saves-list.query';
import { SavesService } from '../../apps/api/src/saves/saves.service';
import type { TemporalClientProvider } from '../../apps/api/src/temporal/temporal-client.provider';
import { AccessService } from '../../apps/api/src/access/access.service';
import type { AccountFactsService } from '../../apps/api/src/accounts/account-facts.service';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The managers' list (GET /saves) against a real PostgreSQL with generated saves that
 * tie on ARR and on deadline and lack deadlines: walking every page by cursor yields
 * exactly the rows of the full ORDER BY, in order, for both sorts; and each page is
 * an index range scan in page order (no sort), at the first page and deep in.
 */
describe("managers' list of saves (PostgreSQL)", () => {
  let database: TestDatabase;
  let db: DataSource;
  let service: SavesService;
  const manager: Principal = {
    id: 'mgr-1',
    displayName: 'Manager',
    role: 'csm_manager',
    kind: 'person',
    managerId: null,
    keyId: 'k',
    scopes: [],
  };
  const director: Principal = {
    id: 'dir-1',
    displayName: 'Director',
    role: 'director',
    kind: 'person',
    managerId: null,
    keyId: 'k',
    scopes: [],
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    service = new SavesService(
      loadConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' }),
      {} as TemporalClientProvider,
      db,
      new AccessService(db),
      {} as AccountFactsService,
    );
    // mgr-1 manages csm-1, who owns the 20,000 accounts below; 500 more belong to another team.
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ('mgr-1', 'M', 'csm_manager', 'person', NULL), ('csm-1', 'C', 'csm', 'person', 'mgr-1'), ('csm-2', 'D', 'csm', 'person', NULL)`,
    );
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT 'acc-' || g, 'Account ' || g, 0, 'smb', 'UTC', 'csm-1', 'mgr-1' FROM generate_series(1, 20000) g`,
    );
    // ARR in 40 distinct values (many ties), deadlines on 30 distinct instants, every 7th none.
    await db.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                                 arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
       SELECT 'save:acc-' || g || ':2027-06-01', 'renewal:acc-' || g || ':2027-06-01', 'acc-' || g, '2027-06-01',
              CASE WHEN g % 5 = 0 THEN 'saved' ELSE 'active' END, 'standard', 'medium', 'medium', 'compressed',
              CASE WHEN g % 7 = 0 THEN NULL ELSE timestamptz '2027-05-01T00:00:00Z' + (g % 30) * interval '1 day' END,
              (g % 40) * 100000, 'smb', 'csm-1', 'mgr-1', 0, 10.0, '{}'::jsonb, 1, now(), now()
         FROM generate_series(1, 20000) g`,
    );
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT 'other-' || g, 'Other ' || g, 0, 'smb', 'UTC', 'csm-2', 'mgr-2' FROM generate_series(1, 500) g`,
    );
    await db.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                                 arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
       SELECT 'save:other-' || g || ':2027-06-01', 'renewal:other-' || g || ':2027-06-01', 'other-' || g, '2027-06-01', 'active', 'standard', 'medium', 'medium', 'compressed',
              timestamptz '2027-05-01T00:00:00Z' + (g % 30) * interval '1 day', (g % 40) * 100000, 'smb', 'csm-2', 'mgr-2', 0, 10.0, '{}'::jsonb, 1, now(), now()
         FROM generate_series(1, 500) g`,
    );
    await db.query('ANALYZE accounts');
    await db.query('ANALYZE save_efforts');
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const walk = async (sort: 'arr' | 'deadline', limit: number, reader: Principal) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await service.list({ status: 'active', sort, limit, cursor }, reader);
      ids.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) return ids;
      cursor = page.nextCursor;
    }
    throw new Error('no last page');
  };

  it.each([
    ['arr', `ORDER BY arr_cents DESC, id ASC`],
    ['deadline', `ORDER BY COALESCE(deadline, 'infinity'::timestamptz) ASC, id ASC`],
  ] as const)(
    "pages through every active save by %s, each once, in the order of the full query: a manager his team's, a director all",
    async (sort, orderBy) => {
      const team = (
        await db.query<Array<{ id: string }>>(
          `SELECT id FROM save_efforts WHERE status = 'active' AND owner_csm_id = 'csm-1' ${orderBy}`,
        )
      ).map((r) => r.id);
      expect(team).toHaveLength(16000);
      expect(await walk(sort, 500, manager)).toEqual(team);
      const all = (
        await db.query<Array<{ id: string }>>(`SELECT id FROM save_efforts WHERE status = 'active' ${orderBy}`)
      ).map((r) => r.id);
      expect(all).toHaveLength(16500);
      expect(await walk(sort, 500, director)).toEqual(all);
    },
    60_000,
  );

  it('writes each item in the names and formats of the read model: ISO instants in milliseconds, numbers, nulls', async () => {
    // Three lost saves (a status no other test lists): a deadline with microseconds, none, and fractional hours.
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       VALUES ('fmt-1', 'Format "One"', 0, 'smb', 'UTC', 'csm-1', 'mgr-1'), ('fmt-2', 'Format Two', 0, 'smb', 'UTC', 'csm-1', 'mgr-1')`,
    );
    await db.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                                 arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
       VALUES ('save:fmt-1:2027-03-31', 'renewal:fmt-1:2027-03-31', 'fmt-1', '2027-03-31', 'lost', 'full', 'high', 'low', 'emergency',
               '2027-03-01T09:08:07.654321Z', 9007199254740, 'smb', 'csm-1', NULL, 3, 12.5, '{}'::jsonb, 1, now(), now()),
              ('save:fmt-2:2027-04-30', 'renewal:fmt-2:2027-04-30', 'fmt-2', '2027-04-30', 'lost', 'light', 'low', 'medium', 'comprehensive',
               NULL, 100, 'smb', 'csm-1', 'mgr-1', 0, 40.0, '{}'::jsonb, 1, now(), now())`,
    );
    const common = { status: 'lost', ownerCsmId: 'csm-1' };
    const first = {
      ...common,
      id: 'save:fmt-1:2027-03-31',
      renewalId: 'renewal:fmt-1:2027-03-31',
      accountId: 'fmt-1',
      accountName: 'Format "One"',
      renewalDate: '2027-03-31',
      effortLevel: 'full',
      probabilityTier: 'high',
      valueTier: 'low',
      timeBand: 'emergency',
      deadline: '2027-03-01T09:08:07.654Z',
      arrCents: 9007199254740,
      csmManagerId: null,
      overdueItems: 3,
      expectedValueHours: 12.5,
    };
    const second = {
      ...common,
      id: 'save:fmt-2:2027-04-30',
      renewalId: 'renewal:fmt-2:2027-04-30',
      accountId: 'fmt-2',
      accountName: 'Format Two',
      renewalDate: '2027-04-30',
      effortLevel: 'light',
      probabilityTier: 'low',
      valueTier: 'medium',
      timeBand: 'comprehensive',
      deadline: null,
      arrCents: 100,
      csmManagerId: 'mgr-1',
      overdueItems: 0,
      expectedValueHours: 40,
    };
    expect(await service.list({ status: 'lost', sort: 'arr' }, director)).toEqual({
      items: [first, second],
      nextCursor: null,
    });
    // Deadline order: the one without a deadline last; the cursor after the first names its
    // deadline to the microsecond, so the next page does not show it again.
    const byDeadline = await service.list({ status: 'lost', limit: 1 }, director);
    expect(byDeadline.items).toEqual([first]);
    expect(JSON.parse(Buffer.from(byDeadline.nextCursor!, 'base64url').toString('utf8'))).toEqual([
      '2027-03-01T09:08:07.654321Z',
      'save:fmt-1:2027-03-31',
    ]);
    expect(await service.list({ status: 'lost', limit: 1, cursor: byDeadline.nextCursor! }, director)).toEqual({
      items: [second],
      nextCursor: null,
    });
    // Nothing to show is an empty page.
    expect(await service.list({ status: 'exited' }, director)).toEqual({ items: [], nextCursor: null });
  });

  /** The plan of the list's query for a director (the whole list, where depth matters), built as the service builds it. */
  const planOf = async (sort: 'arr' | 'deadline', cursor?: string) => {
    const { text, params } = savesListQuery({ status: 'active', sort, limit: 50, cursor }, director);
    const [row] = await db.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      params,
    );
    const nodes: PlanNode[] = [];
    const visit = (n: PlanNode) => {
      nodes.push(n);
      (n.Plans ?? []).forEach(visit);
    };
    visit(row!['QUERY PLAN'][0]!.Plan);
    return nodes;
  };
  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Index Cond'?: string;
    Plans?: PlanNode[];
  }

  it.each(['arr', 'deadline'] as const)(
    'reads a %s page, first and 8,000 rows in, by an index scan in page order with no sort',
    async (sort) => {
      const deepCursor = async () => {
        const first = await service.list({ status: 'active', sort, limit: 8000 }, director);
        return first.nextCursor!;
      };
      for (const cursor of [undefined, await deepCursor()]) {
        const nodes = await planOf(sort, cursor);
        const saves = nodes.filter((n) => n['Relation Name'] === 'save_efforts');
        expect({ cursor: Boolean(cursor), saves: saves.map((n) => [n['Node Type'], n['Index Name']]) }).toEqual({
          cursor: Boolean(cursor),
          saves: [
            ['Index Scan', sort === 'arr' ? 'save_efforts_status_arr_idx' : 'save_efforts_status_deadline_key_idx'],
          ],
        });
        expect(nodes.filter((n) => /Sort/.test(n['Node Type']))).toEqual([]);
        // Deep in, the scan starts at the cursor: the sort key is bounded in the index condition.
        if (cursor) expect(saves[0]!['Index Cond']).toMatch(sort === 'arr' ? /arr_cents <=/ : /COALESCE\(deadline/);
      }
    },
    60_000,
  );
});
