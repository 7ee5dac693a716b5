import type { DataSource } from 'typeorm';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { loadConfig } from '@retain/config';
import { PolicyInForce, createDataSource } from '@retain/persistence';
import { DEFAULT_POLICY, renewalOwnership, resolvePolicy } from '@retain/domain';
import type { PostSaveMonitoringState, RenewalState, WinBackState } from '@retain/workflows';
import { FollowUpReadModelActivities } from '../../apps/worker/src/activities/follow-up.activities';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { FollowUpLauncher } from '../../apps/worker/src/follow-up-launcher';
import { WorkerTemporalClient } from '../../apps/worker/src/worker-temporal-client';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot, aWinBackState } from '../support/factories';

describe('post-save monitoring and win-back activities (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let activities: FollowUpReadModelActivities;
  let renewals: RenewalReadModelActivities;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    activities = new FollowUpReadModelActivities(db);
    renewals = new RenewalReadModelActivities(db);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const account = (id: string) =>
    anAccountSnapshot(id, { arrCents: 5_000_000, segment: 'mid_market', timeZone: 'Europe/Oslo' });
  const at = '2027-01-01T09:00:00.000Z';

  const renewal = (accountId: string, date: string, over: Partial<RenewalState> = {}): RenewalState => ({
    renewalId: `renewal:${accountId}:${date}`,
    account: account(accountId),
    renewalDate: date,
    originalRenewalDate: date,
    status: 'active',
    phase: 'scheduled',
    reachedPhases: [],
    timeBand: 'comprehensive',
    nextMilestone: null,
    health: {},
    category: null,
    classificationHistory: [],
    ownership: renewalOwnership(
      { arrCents: 5_000_000, category: null, ownerCsmId: 'csm-1', salesRepId: null },
      DEFAULT_POLICY,
    ),
    tasks: [],
    decision: null,
    saveRequest: null,
    exception: null,
    postRenewalStartedAt: null,
    cancellation: null,
    nextTermRenewalId: null,
    winBackId: null,
    policyVersion: DEFAULT_POLICY.version,
    startedAt: at,
    updatedAt: at,
    revision: 1,
    audit: [],
    appliedEventIds: [],
    ...over,
  });

  it('reads the newest health reading as numbers, null when none, and stores one reading per source event', async () => {
    expect(await activities.readLatestHealth('acc-h')).toBeNull();
    const insert = (observedAt: string, score: number | null, usage: number | null, eventId: string) =>
      db.query(
        'INSERT INTO account_health_observations (account_id, observed_at, health_score, usage_change_pct, source, event_id) VALUES ($1, $2, $3, $4, $5, $6)',
        ['acc-h', observedAt, score, usage, 'analytics', eventId],
      );
    await insert('2027-01-01T00:00:00Z', 81.5, -3, 'e1');
    await insert('2027-01-08T00:00:00Z', 64, -22.25, 'e2');
    await insert('2027-01-05T00:00:00Z', 90, 0, 'e3');
    expect(await activities.readLatestHealth('acc-h')).toEqual({
      healthScore: 64,
      usageChangePct: -22.25,
      observedAt: '2027-01-08T00:00:00.000Z',
    });
    // Health and usage reported separately: the latest of each.
    await insert('2027-01-10T00:00:00Z', null, -35, 'e5');
    await insert('2027-01-09T00:00:00Z', 58, null, 'e6');
    expect(await activities.readLatestHealth('acc-h')).toEqual({
      healthScore: 58,
      usageChangePct: -35,
      observedAt: '2027-01-10T00:00:00.000Z',
    });
    // A weekly check's window (after, upTo]: only that week's readings count; a week without any is null.
    expect(
      await activities.readLatestHealth('acc-h', { after: '2027-01-04T00:00:00Z', upTo: '2027-01-08T00:00:00Z' }),
    ).toEqual({ healthScore: 64, usageChangePct: -22.25, observedAt: '2027-01-08T00:00:00.000Z' });
    expect(
      await activities.readLatestHealth('acc-h', { after: '2027-01-08T00:00:00Z', upTo: '2027-01-09T12:00:00Z' }),
    ).toEqual({ healthScore: 58, usageChangePct: null, observedAt: '2027-01-09T00:00:00.000Z' });
    expect(
      await activities.readLatestHealth('acc-h', { after: '2027-01-10T00:00:00Z', upTo: '2027-01-17T00:00:00Z' }),
    ).toBeNull();
    await expect(insert('2027-01-09T00:00:00Z', 10, 0, 'e2')).rejects.toThrow(/account_health_observations_once/);
    await expect(insert('2027-01-09T00:00:00Z', 101, 0, 'e4')).rejects.toThrow(/check/);
  });

  it("finds the account's open, undecided renewal with the id its save would have", async () => {
    expect(await activities.findOpenRenewal('acc-r')).toBeNull();
    await renewals.recordRenewalState(
      renewal('acc-r', '2027-02-01', {
        decision: {
          outcome: 'renewed',
          newArrCents: 5_000_000,
          reason: null,
          signedContractRef: null,
          decidedBy: 'csm-1',
          decidedAt: at,
        },
      }),
    );
    expect(await activities.findOpenRenewal('acc-r')).toBeNull();
    await renewals.recordRenewalState(
      renewal('acc-r', '2028-02-01', { renewalDate: '2028-03-01', originalRenewalDate: '2028-02-01' }),
    );
    expect(await activities.findOpenRenewal('acc-r')).toEqual({
      renewalId: 'renewal:acc-r:2028-02-01',
      saveId: 'save:acc-r:2028-02-01',
    });
  });

  const monitoring = (
    revision: number,
    status: PostSaveMonitoringState['status'] = 'active',
  ): PostSaveMonitoringState => ({
    monitoringId: 'monitoring:acc-m:2027-01-15',
    saveId: 'save:acc-m:2027-01-15',
    renewalId: 'renewal:acc-m:2027-01-15',
    account: account('acc-m'),
    renewalDate: '2027-01-15',
    status,
    saved: {
      saveId: 'save:acc-m:2027-01-15',
      triggerReasons: ['x'],
      rootCause: null,
      concessions: [],
      outcomeKind: 'full',
      saveStartedAt: null,
      savedAt: at,
    },
    startedAt: at,
    plannedMonths: 6,
    plannedEndAt: '2027-07-01T07:00:00.000Z',
    extensions: [],
    checks: [{ week: 1, at, reading: null, judgement: 'no_data', reasons: [] }],
    nextCheckAt: at,
    tasks: [],
    executiveCheckIns: 0,
    nextExecutiveCheckInAt: at,
    promises: [
      {
        id: 'promise-1',
        source: 'manual',
        sourceId: null,
        description: 'a',
        ownerId: 'csm-1',
        dueAt: '2026-12-01T00:00:00.000Z',
        state: 'open',
        escalatedAt: null,
        history: [],
      },
      {
        id: 'promise-2',
        source: 'manual',
        sourceId: null,
        description: 'b',
        ownerId: 'csm-1',
        dueAt: '2027-12-01T00:00:00.000Z',
        state: 'open',
        escalatedAt: null,
        history: [],
      },
      {
        id: 'promise-3',
        source: 'manual',
        sourceId: null,
        description: 'c',
        ownerId: 'csm-1',
        dueAt: '2026-12-01T00:00:00.000Z',
        state: 'delivered',
        escalatedAt: null,
        history: [],
      },
    ],
    escalations: [],
    relapse: null,
    summary: null,
    endedAt: null,
    run: 1,
    checksThisRun: 1,
    policyVersion: DEFAULT_POLICY.version,
    updatedAt: at,
    revision,
    appliedEventIds: [],
  });

  it('writes a monitoring once per revision and never lets an older revision overwrite a newer one', async () => {
    await activities.recordMonitoringState(monitoring(1));
    const first: unknown[] = await db.query('SELECT * FROM post_save_monitorings');
    await activities.recordMonitoringState(monitoring(1));
    expect(await db.query('SELECT * FROM post_save_monitorings')).toEqual(first);
    expect(first).toEqual([
      expect.objectContaining({
        status: 'active',
        weeks: 1,
        open_promises: 2,
        overdue_promises: 1,
        last_judgement: 'no_data',
        planned_months: 6,
      }),
    ]);
    await activities.recordMonitoringState(monitoring(3, 'stabilised'));
    await activities.recordMonitoringState(monitoring(2));
    expect(await db.query('SELECT status, revision FROM post_save_monitorings')).toEqual([
      { status: 'stabilised', revision: 3 },
    ]);
  });

  it('marks later renewals as post-save, including one written afterwards, and not earlier ones', async () => {
    await renewals.recordRenewalState(renewal('acc-p', '2027-01-15'));
    await renewals.recordRenewalState(renewal('acc-p', '2028-01-15'));
    const mark = {
      accountId: 'acc-p',
      monitoringId: 'monitoring:acc-p:2027-01-15',
      savedRenewalDate: '2027-01-15',
      result: 'stabilised' as const,
    };
    await activities.markPostSave(mark);
    await activities.markPostSave(mark);
    await renewals.recordRenewalState(renewal('acc-p', '2029-01-15'));
    const rows: Array<{ id: string; post_save_monitoring_id: string | null }> = await db.query(
      'SELECT id, post_save_monitoring_id FROM renewals WHERE account_id = $1 ORDER BY renewal_date',
      ['acc-p'],
    );
    expect(rows).toEqual([
      { id: 'renewal:acc-p:2027-01-15', post_save_monitoring_id: null },
      { id: 'renewal:acc-p:2028-01-15', post_save_monitoring_id: mark.monitoringId },
      { id: 'renewal:acc-p:2029-01-15', post_save_monitoring_id: mark.monitoringId },
    ]);
  });

  const winBack = (revision: number, status: WinBackState['status'] = 'active'): WinBackState =>
    aWinBackState(account('acc-w'), at, revision, { status });

  it('writes a win-back once per revision with its next touchpoint', async () => {
    await activities.recordWinBackState(winBack(1));
    await activities.recordWinBackState(winBack(1));
    await activities.recordWinBackState(winBack(3, 'declined'));
    await activities.recordWinBackState(winBack(2));
    const rows: Array<{ status: string; revision: number; next_touchpoint_at: Date }> = await db.query(
      'SELECT status, revision, next_touchpoint_at FROM win_backs',
    );
    expect(rows).toEqual([
      { status: 'declined', revision: 3, next_touchpoint_at: new Date('2027-07-01T07:00:00.000Z') },
    ]);
  });

  it('launches a follow-up once: an id that exists is not started again', async () => {
    const started: string[] = [];
    const config = loadConfig({ DATABASE_URL: database.url, TEMPORAL_TASK_QUEUE: 'q-test', NODE_ENV: 'test' });
    const launcher = new FollowUpLauncher(config, new WorkerTemporalClient(config)).useStarter({
      workflow: {
        start: async (_type, options) => {
          if (started.includes(options.workflowId))
            throw new WorkflowExecutionAlreadyStartedError('already started', options.workflowId, 'winBackWorkflow');
          started.push(options.workflowId);
          return undefined;
        },
      },
    });
    const launch = { workflowType: 'winBackWorkflow' as const, workflowId: 'winback:acc-l:2027-01-15', input: {} };
    expect(await launcher.launchFollowUp(launch)).toEqual({ started: true });
    expect(await launcher.launchFollowUp(launch)).toEqual({ started: false });
    expect(started).toEqual(['winback:acc-l:2027-01-15']);
  });

  it('starts a follow-up with the policy in force, not the one its starter carries', async () => {
    const args: unknown[] = [];
    const config = loadConfig({ DATABASE_URL: database.url, TEMPORAL_TASK_QUEUE: 'q-test', NODE_ENV: 'test' });
    const adopted = resolvePolicy({ version: 'adopted.1', metrics: { alertLeadDays: 21 } });
    const launcher = new FollowUpLauncher(
      config,
      new WorkerTemporalClient(config),
      PolicyInForce.fixed(adopted, 'file'),
    ).useStarter({
      workflow: {
        start: async (_type, options) => {
          args.push(...options.args);
          return undefined;
        },
      },
    });
    const input = { account: { id: 'acc-p' }, policy: DEFAULT_POLICY, startedBy: 'workflow:save:acc-p:2027-01-15' };
    await launcher.launchFollowUp({ workflowType: 'winBackWorkflow', workflowId: 'winback:acc-p:2027-01-15', input });
    expect(args).toEqual([{ ...input, policy: adopted }]);
  });
});
