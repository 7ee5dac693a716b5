import { anAccountSnapshot } from '../test/support/factories';
import { RecordingActivities, refusal, timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import type { WorkflowHandle } from '@temporalio/client';
import {
  cancelRenewalUpdate,
  completeMonitoringTaskUpdate,
  completeWinBackTouchpointUpdate,
  getMonitoringStateQuery,
  getRenewalStateQuery,
  getSaveStateQuery,
  getWinBackStateQuery,
  promiseStatusSignal,
  recordSaveOutcomeUpdate,
  recordWinBackOutcomeUpdate,
  renewalWorkflowId,
  saveEffortWorkflowId,
  type AccountSnapshot,
  type MonitoringActivities,
  type PostSaveMonitoringInput,
  type PostSaveMonitoringState,
  type RenewalReadModelUpdate,
  type SaveState,
  type WinBackActivities,
  type WinBackInput,
  type WinBackState,
  MONITORING_REFUSALS,
  WIN_BACK_REFUSALS,
} from './definitions';
import { DEFAULT_POLICY, addDays, localDateAt, resolvePolicy, type HealthReading, type RetainPolicy } from './domain';
import type { postSaveMonitoringWorkflow } from './post-save-monitoring.workflow';
import type { renewalWorkflow } from './renewal.workflow';
import type { saveEffortWorkflow } from './save-effort.workflow';
import type { winBackWorkflow } from './win-back.workflow';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Everything the workflows write, and a health feed the test controls. */
class FakeActivities extends RecordingActivities implements MonitoringActivities, WinBackActivities {
  health: (week: number) => HealthReading | null = () => ({
    healthScore: 80,
    usageChangePct: 0,
    observedAt: new Date(0).toISOString(),
  });
  openRenewal: { renewalId: string; saveId: string } | null = null;
  private reads = 0;
  /** The window of readings each weekly check asked for. */
  readonly windows: Array<{ after: string; upTo: string } | undefined> = [];
  readonly monitoringWrites: PostSaveMonitoringState[] = [];
  readonly winBackWrites: WinBackState[] = [];
  readonly marks: unknown[] = [];
  readonly readLatestHealth = async (
    _accountId: string,
    window?: { after: string; upTo: string },
  ): Promise<HealthReading | null> => {
    this.windows.push(window);
    return this.health(++this.reads);
  };
  readonly findOpenRenewal = async (): Promise<{ renewalId: string; saveId: string } | null> => this.openRenewal;
  readonly recordMonitoringState = async (s: PostSaveMonitoringState): Promise<void> =>
    void this.monitoringWrites.push(structuredClone(s));
  readonly markPostSave = async (m: unknown): Promise<void> => void this.marks.push(m);
  readonly recordWinBackState = async (s: WinBackState): Promise<void> =>
    void this.winBackWrites.push(structuredClone(s));
  // The renewal and save workflows of the relapse test write here.
  readonly recordRenewalState = async (_u: RenewalReadModelUpdate): Promise<void> => undefined;
  readonly recordSaveState = async (_s: SaveState): Promise<void> => undefined;
}

describe('post-save monitoring and win-back (time-skipping)', () => {
  const suite = timeSkippingSuite('post-save');

  const account = (id: string): AccountSnapshot =>
    anAccountSnapshot(id, { arrCents: 8_000_000, segment: 'mid_market', timeZone: 'Europe/Berlin' });

  async function setUp(accountId: string) {
    const acts = new FakeActivities();
    const { worker, taskQueue } = await suite.worker(accountId, acts);
    const today = localDateAt(await suite.now(), 'Europe/Berlin');
    return { acts, worker, taskQueue, today };
  }

  function monitoringInput(
    accountId: string,
    renewalDate: string,
    policy: RetainPolicy = DEFAULT_POLICY,
    promises: PostSaveMonitoringInput['promises'] = [],
  ): PostSaveMonitoringInput {
    return {
      account: account(accountId),
      renewalId: renewalWorkflowId(accountId, renewalDate),
      renewalDate,
      saved: {
        saveId: `save:${accountId}:${renewalDate}`,
        triggerReasons: ['usage down 45%'],
        rootCause: 'value_perception',
        concessions: [],
        outcomeKind: 'full',
        saveStartedAt: new Date(Date.now() - 40 * DAY).toISOString(),
        savedAt: new Date().toISOString(),
      },
      promises,
      policy,
      startedBy: 'ops-1',
    };
  }
  const monitoringState = (h: WorkflowHandle<typeof postSaveMonitoringWorkflow>): Promise<PostSaveMonitoringState> =>
    suite.query(h, getMonitoringStateQuery);
  const weeksUntil = (s: PostSaveMonitoringState) =>
    Math.ceil((Date.parse(s.plannedEndAt) - Date.parse(s.startedAt)) / WEEK);

  it(
    'judges each week by its own readings: a week without is no data, never declining, and three in a row escalate once as monitoring blind',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-blind');
      // Week 1 a reading, weeks 2-5 none, week 6 a reading again.
      acts.health = (week) =>
        week === 1 || week === 6 ? { healthScore: 75, usageChangePct: -5, observedAt: new Date().toISOString() } : null;
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          { taskQueue, workflowId: `monitoring:acc-blind:${today}`, args: [monitoringInput('acc-blind', today)] },
        );
        await suite.env.sleep(6 * WEEK + HOUR);
        const s = await monitoringState(h);
        expect(s.checks.map((c) => c.judgement)).toEqual([
          'stable',
          'no_data',
          'no_data',
          'no_data',
          'no_data',
          'stable',
        ]);
        expect(s.status).toBe('active');
        // The windows follow each other: each check reads what was observed since the one before.
        expect(acts.windows[0]).toEqual({ after: s.startedAt, upTo: s.checks[0]!.at });
        for (let i = 1; i < 6; i++)
          expect(acts.windows[i]).toEqual({ after: s.checks[i - 1]!.at, upTo: s.checks[i]!.at });
        // Blind once, at the third week in a row without data (week 4), not again at week 5.
        expect(s.escalations.filter((e) => e.kind === 'blind')).toEqual([
          expect.objectContaining({ kind: 'blind', severity: 'high', detail: { week: 4, weeksWithoutData: 3 } }),
        ]);
        expect(acts.byKind('monitoring_blind')).toHaveLength(1);
        expect(acts.byKind('monitoring_declining')).toEqual([]);
        await h.terminate('test done');
      });
    },
    timeout(120_000),
  );

  it(
    'ends a stable account after 6 months: one check a week up to the first at or after the planned end (26 or 27 weeks, by the calendar)',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-stable');
      const result = await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          { taskQueue, workflowId: `monitoring:acc-stable:${today}`, args: [monitoringInput('acc-stable', today)] },
        );
        const s = await monitoringState(h);
        expect(s).toMatchObject({ status: 'active', plannedMonths: 6, checks: [] });
        // The exact count: checks at 1, 2, ... weeks, the last the first at or after the planned end.
        const expectedWeeks = weeksUntil(s);
        expect(expectedWeeks === 26 || expectedWeeks === 27).toBe(true);
        await suite.env.sleep(WEEK + HOUR);
        const first = await monitoringState(h);
        expect(first.checks).toEqual([expect.objectContaining({ week: 1, judgement: 'stable' })]);
        expect(first.tasks.map((t) => t.id)).toEqual(['touchpoint-1']);
        await h.executeUpdate(completeMonitoringTaskUpdate, {
          args: [{ taskId: 'touchpoint-1', by: 'csm-1', note: 'Call went well' }],
        });
        expect(
          await refusal(
            h.executeUpdate(completeMonitoringTaskUpdate, { args: [{ taskId: 'touchpoint-1', by: 'csm-1' }] }),
          ),
        ).toBe(MONITORING_REFUSALS.alreadyDone);
        const r = await h.result();
        expect(r.weeks).toBe(expectedWeeks);
        return r;
      });
      expect(result).toMatchObject({ status: 'stabilised', plannedMonths: 6 });
      const last = acts.monitoringWrites.at(-1)!;
      expect(last.checks.every((c) => c.judgement === 'stable')).toBe(true);
      expect(last.executiveCheckIns).toBe(6);
      expect(last.extensions).toEqual([]);
      expect(last.summary).toMatchObject({
        result: 'stabilised',
        risk: ['usage down 45%', 'root cause: value_perception'],
        timeToResolutionDays: 40,
      });
      expect(acts.marks).toEqual([
        {
          accountId: 'acc-stable',
          monitoringId: `monitoring:acc-stable:${today}`,
          savedRenewalDate: today,
          result: 'stabilised',
        },
      ]);
      // The first touchpoint was done; every other one, missed, escalated once.
      expect(acts.byKind('monitoring_task_missed').filter((n) => n.detail.taskId === 'touchpoint-1')).toEqual([]);
      expect(acts.byKind('monitoring_task_missed').length).toBe(last.tasks.filter((t) => t.escalatedAt).length);
      expect(acts.byKind('monitoring_task_missed').length).toBeGreaterThan(20);
    },
    timeout(120_000),
  );

  it(
    'extends a fragile account in steps to 12 months (52 or 53 weeks), continuing as new every 13 checks',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-fragile');
      acts.health = () => ({ healthScore: 65, usageChangePct: -5, observedAt: new Date(0).toISOString() });
      const result = await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          { taskQueue, workflowId: `monitoring:acc-fragile:${today}`, args: [monitoringInput('acc-fragile', today)] },
        );
        return h.result();
      });
      const last = acts.monitoringWrites.at(-1)!;
      expect(result).toMatchObject({ status: 'stabilised', plannedMonths: 12 });
      expect(last.extensions.map((e) => [e.fromMonths, e.toMonths])).toEqual([
        [6, 9],
        [9, 12],
      ]);
      expect(last.extensions[0]!.reasons).toEqual(['health 65 is under 70']);
      const expectedWeeks = weeksUntil(last);
      expect(expectedWeeks === 52 || expectedWeeks === 53).toBe(true);
      expect(result.weeks).toBe(expectedWeeks);
      expect(last.checks.map((c) => c.week)).toEqual(Array.from({ length: expectedWeeks }, (_, i) => i + 1));
      expect(last.run).toBe(Math.floor((expectedWeeks - 1) / 13) + 1);
    },
    timeout(120_000),
  );

  it(
    'escalates an overdue promise once and a missed one once; a declining week at once; later deliveries are recorded',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-promise');
      acts.health = (week) => ({
        healthScore: week === 2 ? 68 : 80,
        usageChangePct: 0,
        observedAt: new Date(0).toISOString(),
      });
      const now = await suite.env.currentTimeMs();
      const promises: PostSaveMonitoringInput['promises'] = [
        {
          source: 'plan_item',
          sourceId: 'item-2',
          description: 'Ship SSO',
          ownerId: 'pm-1',
          dueAt: new Date(now + 10 * DAY).toISOString(),
        },
        {
          source: 'concession',
          sourceId: 'concession-1',
          description: 'Put the discount into the contract',
          ownerId: 'csm-1',
          dueAt: new Date(now + 30 * DAY).toISOString(),
        },
      ];
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          {
            taskQueue,
            workflowId: `monitoring:acc-promise:${today}`,
            args: [monitoringInput('acc-promise', today, DEFAULT_POLICY, promises)],
          },
        );
        await suite.env.sleep(15 * DAY);
        let s = await monitoringState(h);
        expect(s.checks.map((c) => c.judgement)).toEqual(['stable', 'declining']);
        expect(acts.byKind('monitoring_declining')).toEqual([
          expect.objectContaining({
            recipientIds: ['csm-1', 'mgr-1'],
            detail: expect.objectContaining({ severity: 'high', week: 2 }),
          }),
        ]);
        expect(s.promises[0]).toMatchObject({ state: 'open', escalatedAt: expect.any(String) });
        expect(acts.byKind('promise_overdue').map((n) => n.managerOf)).toEqual(['pm-1']);

        await h.signal(promiseStatusSignal, {
          eventId: 'e-1',
          promiseId: 'promise-1',
          state: 'missed',
          by: 'csm-1',
          note: 'Slipped to Q3',
        });
        await h.signal(promiseStatusSignal, { eventId: 'e-1', promiseId: 'promise-1', state: 'missed', by: 'csm-1' });
        await h.signal(promiseStatusSignal, {
          eventId: 'e-2',
          promiseId: 'promise-2',
          state: 'delivered',
          by: 'csm-1',
        });
        await suite.env.sleep(HOUR);
        s = await monitoringState(h);
        expect(s.promises.map((p) => p.state)).toEqual(['missed', 'delivered']);
        expect(s.promises[0]!.history.map((x) => x.state)).toEqual(['open', 'missed']);
        // Already escalated as overdue: a promise escalates once, however it goes wrong.
        expect(acts.byKind('promise_missed')).toEqual([]);
        expect(acts.byKind('promise_overdue')).toHaveLength(1);
        await h.signal(promiseStatusSignal, { eventId: 'e-3', promiseId: 'promise-2', state: 'missed', by: 'vp-1' });
        await h.signal(promiseStatusSignal, {
          eventId: 'e-4',
          promiseId: 'promise-1',
          state: 'delivered',
          by: 'pm-1',
          note: 'Shipped late',
        });
        await suite.env.sleep(HOUR);
        s = await monitoringState(h);
        expect(s.promises.map((p) => p.state)).toEqual(['delivered', 'missed']);
        expect(acts.byKind('promise_missed').map((n) => n.detail.promiseId)).toEqual(['promise-2']);
        const r = await h.result();
        expect(r.status).toBe('stabilised');
      });
      const last = acts.monitoringWrites.at(-1)!;
      expect(last.summary?.whatToDoDifferently).toEqual(
        expect.arrayContaining([
          'Promise missed: Put the discount into the contract',
          '1 declining week(s): look at what preceded them',
        ]),
      );
    },
    timeout(120_000),
  );

  it(
    "on a relapse asks the account's open renewal for a new save, records the link, and ends",
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-relapse');
      acts.health = (week) => ({
        healthScore: week >= 3 ? 45 : 78,
        usageChangePct: 0,
        observedAt: new Date(0).toISOString(),
      });
      const renewalDate = addDays(today, 60);
      const renewalId = renewalWorkflowId('acc-relapse', renewalDate);
      const saveId = saveEffortWorkflowId('acc-relapse', renewalDate);
      acts.openRenewal = { renewalId, saveId };
      await worker.runUntil(async () => {
        const renewal = await suite.env.client.workflow.start<typeof renewalWorkflow>('renewalWorkflow', {
          taskQueue,
          workflowId: renewalId,
          args: [
            {
              account: account('acc-relapse'),
              renewalDate,
              policy: DEFAULT_POLICY,
              launchedBy: 'ops-1',
              health: {
                healthScore: 80,
                usageChangePct: 0,
                supportSentiment: 'positive',
                relationship: 'strong',
                businessOutcomes: 'achieved',
              },
            },
          ],
        });
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          { taskQueue, workflowId: `monitoring:acc-relapse:${today}`, args: [monitoringInput('acc-relapse', today)] },
        );
        const r = await h.result();
        expect(r).toMatchObject({ status: 'relapsed', weeks: 3 });
        const s = await monitoringState(h);
        expect(s.relapse).toMatchObject({
          renewalId,
          saveId,
          status: 'save_requested',
          reasons: ['health 45 is under 50'],
        });
        expect(s.summary?.result).toBe('relapsed');
        // The renewal started the save it was asked for.
        await suite.env.sleep(HOUR);
        const rs = await suite.query(renewal, getRenewalStateQuery);
        expect(rs.saveRequest).toMatchObject({
          saveId,
          startedBy: 'renewal',
          reason: expect.stringMatching(/^relapse after a save: health 45/),
        });
        const save = suite.env.client.workflow.getHandle<typeof saveEffortWorkflow>(saveId);
        expect((await suite.query(save, getSaveStateQuery)).status).toBe('active');
        // End the save before its parent renewal (see README: the test server and late children).
        await save.executeUpdate(recordSaveOutcomeUpdate, {
          args: [
            {
              result: 'saved',
              kind: 'full',
              newArrCents: null,
              pauseDays: null,
              reason: null,
              competitor: null,
              by: 'csm-1',
            },
          ],
        });
        await save.result();
        await renewal.executeUpdate(cancelRenewalUpdate, { args: [{ reason: 'test done', by: 'ops-1' }] });
        await renewal.result();
      });
      expect(acts.byKind('monitoring_relapse')).toEqual([
        expect.objectContaining({ managerOf: 'csm-1', detail: expect.objectContaining({ renewalId, saveId }) }),
      ]);
      expect(acts.marks).toEqual([expect.objectContaining({ result: 'relapsed' })]);
    },
    timeout(120_000),
  );

  it(
    'continues as new under a stream of signals, losing none and applying none twice',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-can');
      const policy = resolvePolicy({ postSave: { continueAsNewEveryChecks: 2 } });
      const now = await suite.env.currentTimeMs();
      const promises = [1, 2, 3, 4].map((i) => ({
        source: 'manual' as const,
        sourceId: null,
        description: `Promise ${i}`,
        ownerId: 'csm-1',
        dueAt: new Date(now + 200 * DAY).toISOString(),
      }));
      const workflowId = `monitoring:acc-can:${today}`;
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof postSaveMonitoringWorkflow>(
          'postSaveMonitoringWorkflow',
          { taskQueue, workflowId, args: [monitoringInput('acc-can', today, policy, promises)] },
        );
        const firstRun = (await h.describe()).runId;
        const send = (eventId: string, promise: number, state: 'delivered' | 'verified') =>
          suite.env.client.workflow
            .getHandle(workflowId)
            .signal(promiseStatusSignal, { eventId, promiseId: `promise-${promise}`, state, by: 'csm-1' });
        // Around the first continue-as-new (after the 2nd weekly check) and the second (after the 4th).
        await suite.env.sleep(2 * WEEK - HOUR);
        await send('ev-1', 1, 'delivered');
        await suite.env.sleep(2 * HOUR);
        await send('ev-1', 1, 'delivered');
        await send('ev-2', 2, 'delivered');
        await send('ev-3', 1, 'verified');
        await suite.env.sleep(2 * WEEK - 2 * HOUR);
        await Promise.all([send('ev-2', 2, 'delivered'), send('ev-4', 3, 'delivered'), send('ev-5', 2, 'verified')]);
        await suite.env.sleep(2 * HOUR);
        await send('ev-4', 3, 'delivered');
        await send('ev-6', 4, 'delivered');
        await suite.env.sleep(HOUR);
        const s = await monitoringState(h);
        expect(s.run).toBeGreaterThanOrEqual(3);
        expect((await h.describe()).runId).not.toBe(firstRun);
        expect(s.checks.map((c) => c.week)).toEqual([1, 2, 3, 4]);
        expect(s.promises.map((p) => p.state)).toEqual(['verified', 'verified', 'delivered', 'delivered']);
        // Each event applied exactly once, whatever run it reached.
        expect(s.promises.map((p) => p.history.length - 1)).toEqual([2, 2, 1, 1]);
        expect(s.appliedEventIds.sort()).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5', 'ev-6']);
        const r = await h.result();
        expect(r.status).toBe('stabilised');
      });
      const revisions = acts.monitoringWrites.map((w) => w.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i + 1));
    },
    timeout(120_000),
  );

  function winBackInput(accountId: string, renewalDate: string, churnedAt: number): WinBackInput {
    return {
      account: account(accountId),
      renewalId: renewalWorkflowId(accountId, renewalDate),
      renewalDate,
      saveId: null,
      churnedAt: new Date(churnedAt).toISOString(),
      reason: 'Price',
      competitor: 'CheapCo',
      policy: DEFAULT_POLICY,
      startedBy: 'workflow:test',
    };
  }

  it(
    'wins back: touchpoints at 3 and 6 months, then a won-back outcome launches a new renewal and stops the 12-month one',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-wb');
      const churnedAt = await suite.env.currentTimeMs();
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof winBackWorkflow>('winBackWorkflow', {
          taskQueue,
          workflowId: `winback:acc-wb:${today}`,
          args: [winBackInput('acc-wb', today, churnedAt)],
        });
        let s = await suite.query(h, getWinBackStateQuery);
        expect(s.touchpoints.map((t) => [t.kind, t.taskState])).toEqual([
          ['check_in', 'scheduled'],
          ['relevant_updates', 'scheduled'],
          ['formal_conversation', 'scheduled'],
        ]);
        expect(
          await refusal(
            h.executeUpdate(completeWinBackTouchpointUpdate, { args: [{ kind: 'check_in', by: 'csm-1' }] }),
          ),
        ).toBe(WIN_BACK_REFUSALS.notDue);
        await suite.env.sleep(Date.parse(s.touchpoints[0]!.at) - churnedAt + HOUR);
        s = await suite.query(h, getWinBackStateQuery);
        expect(s.touchpoints.map((t) => t.taskState)).toEqual(['open', 'scheduled', 'scheduled']);
        // On a durable timer at 09:00 in the account's time zone.
        expect(
          new Intl.DateTimeFormat('en-GB', {
            timeZone: 'Europe/Berlin',
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          }).format(new Date(s.touchpoints[0]!.at)),
        ).toBe('09:00');
        await h.executeUpdate(completeWinBackTouchpointUpdate, {
          args: [{ kind: 'check_in', by: 'csm-1', note: 'They are struggling with CheapCo' }],
        });
        await suite.env.sleep(Date.parse(s.touchpoints[1]!.at) - Date.parse(s.touchpoints[0]!.at));
        s = await suite.query(h, getWinBackStateQuery);
        expect(s.touchpoints.map((t) => t.taskState)).toEqual(['done', 'open', 'scheduled']);
        expect(
          await refusal(h.executeUpdate(recordWinBackOutcomeUpdate, { args: [{ result: 'won_back', by: 'csm-1' }] })),
        ).toBe(WIN_BACK_REFUSALS.invalid);
        const outcome = await h.executeUpdate(recordWinBackOutcomeUpdate, {
          args: [{ result: 'won_back', newArrCents: 6_000_000, by: 'csm-1' }],
        });
        expect(outcome).toMatchObject({
          result: 'won_back',
          newArrCents: 6_000_000,
          newRenewalId: expect.stringMatching(/^renewal:acc-wb:/),
        });
        const r = await h.result();
        expect(r.status).toBe('won_back');
      });
      expect(acts.byKind('win_back_touchpoint').map((n) => n.detail.kind)).toEqual(['check_in', 'relevant_updates']);
      expect(acts.launches).toEqual([
        expect.objectContaining({
          workflowType: 'renewalWorkflow',
          input: expect.objectContaining({ account: expect.objectContaining({ arrCents: 6_000_000 }) }),
        }),
      ]);
      expect(acts.winBackWrites.at(-1)!.touchpoints[2]!.taskState).toBe('scheduled');
    },
    timeout(120_000),
  );

  it(
    'without an outcome opens all three touchpoints, escalates each missed one once, and ends as no response',
    async () => {
      const { acts, worker, taskQueue, today } = await setUp('acc-wb-silent');
      const churnedAt = await suite.env.currentTimeMs();
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof winBackWorkflow>('winBackWorkflow', {
          taskQueue,
          workflowId: `winback:acc-wb-silent:${today}`,
          args: [winBackInput('acc-wb-silent', today, churnedAt)],
        }),
      );
      expect(result).toMatchObject({ status: 'no_response', outcome: { result: 'no_response', by: 'workflow' } });
      const last = acts.winBackWrites.at(-1)!;
      expect(last.touchpoints.map((t) => [t.afterMonths, t.taskState])).toEqual([
        [3, 'open'],
        [6, 'open'],
        [12, 'open'],
      ]);
      expect(acts.byKind('win_back_task_overdue').map((n) => n.detail.kind)).toEqual([
        'check_in',
        'relevant_updates',
        'formal_conversation',
      ]);
      expect(acts.launches).toEqual([]);
    },
    timeout(120_000),
  );
});
