import type { DataSource } from 'typeorm';
import { createDataSource, refreshSaveRiskAtStart, seedAccount } from '@retain/persistence';
import { DEFAULT_POLICY, accountValueTier, allocateSaveEffort, assessSaveProbability } from '@retain/domain';
import type { SaveState } from '@retain/workflows';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { SaveEffortReadModelActivities } from '../../apps/worker/src/activities/save-effort.activities';
import { SaveEffortMetrics1797328800000 } from '../../libs/persistence/src/migrations/202612151000-save-effort-metrics';
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
  // ---- the columns the save metrics read ----

  const METRICS_COLUMNS =
    'id, effort_hours, outcome_result, outcome_kind, outcome_at, policy_version, risk_category_at_start, saved_arr_cents';
  const metricsRows = () =>
    db.query(`SELECT ${METRICS_COLUMNS} FROM save_efforts WHERE id LIKE 'save:acc-m%' ORDER BY id`);
  const startedAt = now.toISOString();
  /** A save of `accountId` with 2.5 h logged, a conversation of 1 h and a plan item of 0.5 h: 4 h. */
  const worked = (accountId: string, revision: number, over: Partial<SaveState> = {}): SaveState => {
    const base = state(revision);
    return {
      ...base,
      saveId: `save:${accountId}:2027-03-31`,
      renewalId: `renewal:${accountId}:2027-03-31`,
      account: anAccountSnapshot(accountId, { name: accountId, arrCents: 12_000_000 }),
      effortLog: [{ id: 'effort-1', hours: 2.5, activity: 'customer_call', note: null, by: 'csm-1', at: startedAt }],
      conversations: [{ at: startedAt, by: 'csm-1', stage: 'listen', result: 'heard', refused: false, effortHours: 1 }],
      planItems: [{ ...base.planItems[0]!, effortHours: 0.5 }],
      ...over,
    };
  };
  const outcome = (o: Partial<NonNullable<SaveState['outcome']>>): NonNullable<SaveState['outcome']> => ({
    result: 'saved',
    kind: 'full',
    newArrCents: null,
    pauseDays: null,
    reason: null,
    competitor: null,
    decidedBy: 'csm-1',
    decidedAt: '2027-02-01T10:00:00.000Z',
    ...o,
  });
  /** A renewal, yellow a week before the save, red the day before it (its category when the save starts). */
  const seedRenewal = async (accountId: string) => {
    await seedAccount(db, anAccountSnapshot(accountId, { name: accountId, arrCents: 12_000_000 }));
    const history = [
      { at: '2026-12-25T00:00:00.000Z', category: 'yellow', reasons: [], cause: 'assessment' },
      { at: '2026-12-31T00:00:00.000Z', category: 'red', reasons: [], cause: 'signal' },
    ];
    await db.query(
      `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents,
         segment, owner_csm_id, policy_version, revision, started_at, updated_at, classification_history)
       VALUES ($1, $2, '2027-03-31', '2027-03-31', 'active', 'preparation', 'compressed', 'red', 12000000, 'mid_market', 'csm-1',
         $3, 1, '2026-12-01T00:00:00Z', '2026-12-31T00:00:00Z', $4)`,
      [`renewal:${accountId}:2027-03-31`, accountId, DEFAULT_POLICY.version, JSON.stringify(history)],
    );
  };

  it("keeps the metrics columns in step with the state: hours, outcome, policy version, the ARR a saved outcome keeps, and the renewal's risk when the save started", async () => {
    await seedRenewal('acc-m1');
    await activities.recordSaveState(worked('acc-m1', 1));
    expect(await metricsRows()).toEqual([
      {
        id: 'save:acc-m1:2027-03-31',
        effort_hours: '4.00', // 2.5 + 1 + 0.5
        outcome_result: null,
        outcome_kind: null,
        outcome_at: null,
        policy_version: DEFAULT_POLICY.version,
        risk_category_at_start: 'red',
        saved_arr_cents: null,
      },
    ]);

    // The renewal turns green after the save started; the save ends saved at a reduced scope, with a quarter hour more.
    await db.query(
      `UPDATE renewals SET risk_category = 'green',
         classification_history = classification_history || '[{"at":"2027-01-20T00:00:00.000Z","category":"green","reasons":[],"cause":"signal"}]'
       WHERE id = 'renewal:acc-m1:2027-03-31'`,
    );
    const saved = worked('acc-m1', 2, {
      status: 'saved',
      outcome: outcome({ kind: 'reduced_scope', newArrCents: 9_000_000 }),
    });
    saved.effortLog!.push({
      id: 'effort-2',
      hours: 0.25,
      activity: 'internal',
      note: null,
      by: 'csm-1',
      at: startedAt,
    });
    await activities.recordSaveState(saved);
    // Saves without a renewal row (no risk at the start): saved in full keeps the ARR, lost keeps none, a partner
    // transition naming no ARR keeps the account's.
    await activities.recordSaveState(
      worked('acc-m2', 1, { status: 'saved', outcome: outcome({ kind: 'full' }), effortLog: undefined }),
    );
    await activities.recordSaveState(
      worked('acc-m3', 1, {
        status: 'lost',
        outcome: outcome({ result: 'lost', kind: 'lost', reason: 'price', newArrCents: 0 }),
        policyVersion: '2026-12-01.8',
      }),
    );
    await activities.recordSaveState(
      worked('acc-m4', 1, {
        status: 'saved',
        outcome: outcome({ kind: 'partner_transition', partner: 'Acme', partnerNeed: 'on-premise', newArrCents: null }),
        planItems: [],
        conversations: [],
      }),
    );
    const decidedAt = new Date('2027-02-01T10:00:00.000Z');
    expect(await metricsRows()).toEqual([
      {
        id: 'save:acc-m1:2027-03-31',
        effort_hours: '4.25', // 4 + 0.25
        outcome_result: 'saved',
        outcome_kind: 'reduced_scope',
        outcome_at: decidedAt,
        policy_version: DEFAULT_POLICY.version,
        risk_category_at_start: 'red', // the latest classification by the save's start: the green came after it
        saved_arr_cents: '9000000',
      },
      {
        id: 'save:acc-m2:2027-03-31',
        effort_hours: '1.50', // 1 + 0.5: no effort log (a state from before it)
        outcome_result: 'saved',
        outcome_kind: 'full',
        outcome_at: decidedAt,
        policy_version: DEFAULT_POLICY.version,
        risk_category_at_start: null,
        saved_arr_cents: '12000000',
      },
      {
        id: 'save:acc-m3:2027-03-31',
        effort_hours: '4.00',
        outcome_result: 'lost',
        outcome_kind: 'lost',
        outcome_at: decidedAt,
        policy_version: '2026-12-01.8',
        risk_category_at_start: null,
        saved_arr_cents: null,
      },
      {
        id: 'save:acc-m4:2027-03-31',
        effort_hours: '2.50',
        outcome_result: 'saved',
        outcome_kind: 'partner_transition',
        outcome_at: decidedAt,
        policy_version: DEFAULT_POLICY.version,
        risk_category_at_start: null,
        saved_arr_cents: '12000000',
      },
    ]);
  });

  it('fills the columns of rows written before them from their state, as the writer does', async () => {
    const written = await metricsRows();
    expect(written).toHaveLength(4);
    const runner = db.createQueryRunner();
    try {
      const migration = new SaveEffortMetrics1797328800000();
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    // The risk at the start from the renewal's classification history: red on the eve of the save, green only later.
    expect(await metricsRows()).toEqual(written);
  });
  it("learns the renewal's category at its start when the renewal's history reaches the read model after the save's first write", async () => {
    // The save is written first: no renewal row yet, so no category at the start.
    await seedAccount(db, anAccountSnapshot('acc-m5', { name: 'acc-m5', arrCents: 12_000_000 }));
    await activities.recordSaveState(worked('acc-m5', 1));
    const category = async () =>
      (
        await db.query<Array<{ c: string | null }>>(
          `SELECT risk_category_at_start AS c FROM save_efforts WHERE id = 'save:acc-m5:2027-03-31'`,
        )
      )[0]!.c;
    expect(await category()).toBeNull();
    // Then the renewal's row arrives with a red classification from before the save's start; its writer refreshes the save.
    await seedRenewal('acc-m5');
    await refreshSaveRiskAtStart(db, 'renewal:acc-m5:2027-03-31');
    expect(await category()).toBe('red');
    // A later write of the save keeps it (the same function of the renewal's history and the save's start).
    await activities.recordSaveState(worked('acc-m5', 2));
    expect(await category()).toBe('red');
  });
});
