import type { DataSource } from 'typeorm';
import { createDataSource } from '@retain/persistence';
import { DEFAULT_POLICY, accountValueTier, allocateSaveEffort, assessSaveProbability } from '@retain/domain';
import type { SaveState } from '@retain/workflows';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { SaveEffortReadModelActivities } from '../../apps/worker/src/activities/save-effort.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot, savableFacts } from '../support/factories';

describe('save-effort read-model activity (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let activities: SaveEffortReadModelActivities;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    activities = new SaveEffortReadModelActivities(db, new RenewalReadModelActivities(db));
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const now = new Date('2027-01-01T00:00:00Z');
  const facts = savableFacts({ alternative: 'none' });
  const state = (revision: number, status: SaveState['status'] = 'active'): SaveState => {
    const probability = assessSaveProbability(facts, DEFAULT_POLICY);
    const value = accountValueTier(12_000_000, {}, DEFAULT_POLICY);
    const allocation = allocateSaveEffort(
      {
        valueTier: value.tier,
        probabilityTier: probability.tier,
        now,
        renewalAt: new Date('2027-03-31T09:00:00Z'),
        daysLeft: 89,
      },
      DEFAULT_POLICY,
    );
    const triage = {
      at: now.toISOString(),
      cause: 'start',
      probability,
      probabilityOverride: null,
      value,
      rootCause: 'service_experience' as const,
      allocation,
    };
    return {
      saveId: 'save:acc-s1:2027-03-31',
      renewalId: 'renewal:acc-s1:2027-03-31',
      account: anAccountSnapshot('acc-s1', { name: 'S1', arrCents: 12_000_000 }),
      renewalDate: '2027-03-31',
      status,
      triggerReasons: ['red'],
      facts,
      strategicFlags: {},
      budgetRelated: false,
      triage,
      triageHistory: [triage],
      issues: [],
      concessions: [],
      conversations: [],
      escalation: null,
      lostCause: { signs: [], suggestStop: false },
      decisionFinal: false,
      outcome: null,
      gracefulExit: null,
      handOff: null,
      renewalLink: 'linked',
      deadlineEscalatedAt: null,
      planCompletion: {
        total: 1,
        inProgress: 1,
        blocked: 0,
        done: 0,
        verifiedByCustomer: 0,
        overdue: 1,
        completedPct: 0,
      },
      policyVersion: DEFAULT_POLICY.version,
      planItems: [
        {
          id: 'item-1',
          issueId: null,
          issue: 'x',
          rootCause: 'y',
          fix: 'z',
          ownerId: 'csm-1',
          dueAt: '2026-12-30T00:00:00.000Z',
          successMetric: 'm',
          state: 'in_progress',
          evidence: null,
          fastFix: true,
          escalatedAt: null,
          history: [],
        },
      ],
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      revision,
      appliedEventIds: [],
    };
  };

  it('writes the same state twice with no difference and ignores an older revision', async () => {
    await activities.recordSaveState(state(1));
    const first: unknown[] = await db.query('SELECT * FROM save_efforts');
    await activities.recordSaveState(state(1));
    expect(await db.query('SELECT * FROM save_efforts')).toEqual(first);
    expect(first).toEqual([
      expect.objectContaining({
        effort_level: 'full',
        probability_tier: 'high',
        value_tier: 'high',
        overdue_items: 1,
        status: 'active',
        expected_value_hours: '28.0',
      }),
    ]);

    await activities.recordSaveState(state(3, 'saved'));
    await activities.recordSaveState(state(2, 'active'));
    expect(await db.query('SELECT status, revision FROM save_efforts')).toEqual([{ status: 'saved', revision: 3 }]);
  });
});
