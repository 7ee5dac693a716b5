import { refusal, timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import {
  acknowledgeAlertUpdate,
  accountRiskWorkflowId,
  addSuppressionSignal,
  completeAlertTaskUpdate,
  resolveAlertUpdate,
  removeSuppressionUpdate,
  getAccountRiskStateQuery,
  integrationEventSignal,
  integrationEventsSignal,
  type AccountRiskActivities,
  type AccountRiskContext,
  type AlertNotificationRecord,
  type AlertRecord,
  type HealthReadingRecord,
  type IntegrationEventBatch,
  type IntegrationEventSignal,
} from './definitions';
import { DEFAULT_POLICY, addDays, localDateAt, type AlertGroup } from './domain';
import type { accountRiskWorkflow } from './account-risk.workflow';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

class RecordingActivities implements AccountRiskActivities {
  context: AccountRiskContext | null = null;
  readonly readings: HealthReadingRecord[] = [];
  readonly alerts = new Map<string, AlertRecord>();
  readonly notifications = new Map<string, AlertNotificationRecord>();
  /** Every notification key written, in order (a key twice: written twice). */
  readonly written: string[] = [];
  readonly recordHealthReading = async (r: HealthReadingRecord): Promise<void> => void this.readings.push(r);
  readonly loadAccountContext = async (): Promise<AccountRiskContext | null> =>
    this.context ? structuredClone(this.context) : null;
  readonly recordAlert = async (a: AlertRecord): Promise<void> => {
    const known = this.alerts.get(a.id);
    if (!known || known.revision < a.revision) this.alerts.set(a.id, structuredClone(a));
  };
  readonly upsertAlertNotification = async (n: AlertNotificationRecord): Promise<boolean> => {
    this.notifications.set(n.key, structuredClone(n));
    this.written.push(n.key);
    return true;
  };
  readonly propagated: Array<{ accountId: string; eventId: string; by: string }> = [];
  readonly propagateAccountPeople = async (c: { accountId: string; eventId: string; by: string }): Promise<void> =>
    void this.propagated.push(c);
}

describe('account early-warning workflow (time-skipping)', () => {
  const suite = timeSkippingSuite('account-risk');

  it(
    'applies each event once across continue-as-new, however often it is delivered',
    async () => {
      const acts = new RecordingActivities();
      const { worker, taskQueue } = await suite.worker('acc-risk', acts);
      const workflowId = accountRiskWorkflowId('acc-risk');
      const at = (await suite.now()).toISOString();
      const health = (n: number): IntegrationEventSignal => ({
        eventId: `crm:h-${n}`,
        source: 'crm',
        accountId: 'acc-risk',
        type: 'health_score',
        occurredAt: at,
        payload: { score: 50 + n },
      });
      const nps = (n: number): IntegrationEventSignal => ({
        eventId: `survey:n-${n}`,
        source: 'survey',
        accountId: 'acc-risk',
        type: 'nps',
        occurredAt: at,
        payload: { score: n },
      });
      await worker.runUntil(async () => {
        // Delivered the way the relay does it: signal-with-start, every time.
        const send = (e: IntegrationEventSignal) =>
          suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
            'accountRiskWorkflow',
            {
              taskQueue,
              workflowId,
              args: [{ accountId: 'acc-risk', policy: DEFAULT_POLICY, eventsPerRun: 3 }],
              signal: integrationEventSignal,
              signalArgs: [e],
            },
          );
        for (const e of [
          health(1),
          nps(7),
          health(1),
          health(2),
          nps(8),
          nps(7),
          health(3),
          health(2),
          nps(9),
          health(4),
        ])
          await send(e);
        while (acts.readings.length < 4) await suite.env.sleep(1_000);
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(workflowId);
        const s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.eventsApplied).toBe(7);
        expect([...s.appliedEventIds].sort()).toEqual([
          'crm:h-1',
          'crm:h-2',
          'crm:h-3',
          'crm:h-4',
          'survey:n-7',
          'survey:n-8',
          'survey:n-9',
        ]);
        // Three events a run: it continued as new at least once (signals that arrive together are applied together).
        expect(s.run).toBeGreaterThanOrEqual(2);
        expect(s.signals.nps.map((x) => x.score).at(-1)).toBe(9);
        expect(s.signals.health).toMatchObject({ score: 54 });
        await h.terminate('test done');
      });
      expect(acts.readings.map((r) => r.eventId)).toEqual(['crm:h-1', 'crm:h-2', 'crm:h-3', 'crm:h-4']);
    },
    timeout(60_000),
  );

  it(
    "applies the relay's batches in their order, each event once: a batch sent again, and batches overlapping events applied or still waiting, add nothing twice",
    async () => {
      const acts = new RecordingActivities();
      const { worker, taskQueue } = await suite.worker('acc-batch', acts);
      const workflowId = accountRiskWorkflowId('acc-batch');
      const at = (await suite.now()).getTime();
      // Health scores a second apart: the readings, recorded as each is applied, show the order.
      const h = (n: number): IntegrationEventSignal => ({
        eventId: `crm:h-${n}`,
        source: 'crm',
        accountId: 'acc-batch',
        type: 'health_score',
        occurredAt: new Date(at + n * 1000).toISOString(),
        payload: { score: 40 + n },
      });
      // Four events a run: the later batches reach a run that continued as new, with what waited carried.
      const args = [{ accountId: 'acc-batch', policy: DEFAULT_POLICY, eventsPerRun: 4 }] as const;
      await worker.runUntil(async () => {
        // Sent the way the relay sends them: signal-with-start, one account's waiting events in one signal.
        const batch = (...ns: number[]) =>
          suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventBatch]>(
            'accountRiskWorkflow',
            {
              taskQueue,
              workflowId,
              args: [...args],
              signal: integrationEventsSignal,
              signalArgs: [{ events: ns.map(h) }],
            },
          );
        const single = (n: number) =>
          suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
            'accountRiskWorkflow',
            { taskQueue, workflowId, args: [...args], signal: integrationEventSignal, signalArgs: [h(n)] },
          );
        // A batch and the same batch again at once (a relay whose mark failed): the copy meets them waiting.
        await batch(1, 2, 3);
        await batch(1, 2, 3);
        while (acts.readings.length < 3) await suite.env.sleep(1_000);
        // Overlapping events applied, then one the old single-event signal brings, then a batch
        // overlapping it, then the last.
        await batch(2, 3, 4, 5);
        await single(5);
        await batch(4, 6, 7);
        await batch(6, 7, 8);
        const handle = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(workflowId);
        let s = await suite.query(handle, getAccountRiskStateQuery);
        while (!s.appliedEventIds.includes('crm:h-8')) {
          await suite.env.sleep(1_000);
          s = await suite.query(handle, getAccountRiskStateQuery);
        }
        expect(s.eventsApplied).toBe(8);
        expect(s.appliedEventIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `crm:h-${n}`));
        expect(s.signals.health).toMatchObject({ score: 48 });
        expect(s.run).toBeGreaterThanOrEqual(2);
        await handle.terminate('test done');
      });
      expect(acts.readings.map((r) => [r.eventId, r.healthScore])).toEqual(
        [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`crm:h-${n}`, 40 + n]),
      );
    },
    timeout(60_000),
  );

  it(
    "passes an account_updated event on to the account's renewals once, however often it is delivered, and leaves the risk signals alone",
    async () => {
      const acts = new RecordingActivities();
      const { worker, taskQueue } = await suite.worker('acc-people', acts);
      const workflowId = accountRiskWorkflowId('acc-people');
      const at = (await suite.now()).toISOString();
      const owner: IntegrationEventSignal = {
        eventId: 'crm:acct-1',
        source: 'crm',
        accountId: 'acc-people',
        type: 'account_updated',
        occurredAt: at,
        payload: { ownerCsmId: 'csm-2' },
      };
      const health: IntegrationEventSignal = {
        eventId: 'crm:h-1',
        source: 'crm',
        accountId: 'acc-people',
        type: 'health_score',
        occurredAt: at,
        payload: { score: 61 },
      };
      await worker.runUntil(async () => {
        const send = (e: IntegrationEventSignal) =>
          suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
            'accountRiskWorkflow',
            {
              taskQueue,
              workflowId,
              args: [{ accountId: 'acc-people', policy: DEFAULT_POLICY }],
              signal: integrationEventSignal,
              signalArgs: [e],
            },
          );
        for (const e of [owner, health, owner]) await send(e);
        while (acts.readings.length < 1) await suite.env.sleep(1_000);
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(workflowId);
        const s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.eventsApplied).toBe(2);
        expect(s.signals.health).toMatchObject({ score: 61 });
        await h.terminate('test done');
      });
      expect(acts.propagated).toEqual([{ accountId: 'acc-people', eventId: 'crm:acct-1', by: 'crm' }]);
    },
    timeout(60_000),
  );

  async function setUp(name: string) {
    const acts = new RecordingActivities();
    const { worker, taskQueue } = await suite.worker(name, acts);
    const start = await suite.env.currentTimeMs();
    const send = (accountId: string, e: Omit<IntegrationEventSignal, 'accountId' | 'source'> & { source?: string }) =>
      suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
        'accountRiskWorkflow',
        {
          taskQueue,
          workflowId: accountRiskWorkflowId(accountId),
          args: [{ accountId, policy: DEFAULT_POLICY }],
          signal: integrationEventSignal,
          signalArgs: [{ source: 'crm', accountId, ...e }],
        },
      );
    return { acts, worker, start, send };
  }

  it(
    'resolves the payment failure alert when the payment recovers: once, by the integration, its tasks cancelled and its escalation stopped; a later failure counts again',
    async () => {
      const { acts, worker, start, send } = await setUp('acc-pay');
      acts.context = {
        account: {
          id: 'acc-pay',
          name: 'Pay KK',
          segment: 'mid_market',
          arrCents: 5_000_000,
          renewalDate: null,
          timeZone: 'UTC',
          vertical: null,
        },
        ownerCsmId: 'csm-1',
        csmManagerId: 'mgr-1',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      await worker.runUntil(async () => {
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(accountRiskWorkflowId('acc-pay'));
        await send('acc-pay', {
          eventId: 'stripe:evt_f1',
          source: 'stripe-int',
          type: 'payment_failure',
          occurredAt: new Date(start).toISOString(),
          payload: { amountCents: 120_000, attempt: 1 },
        });
        await suite.env.sleep(HOUR);
        let s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts.map((a) => [a.ruleId, a.state])).toEqual([['payment_failure', 'open']]);
        const recovery = {
          eventId: 'stripe:evt_p1',
          source: 'stripe-int',
          type: 'payment_recovery' as const,
          occurredAt: new Date(start + HOUR).toISOString(),
          payload: { failedAttempts: 1 },
        };
        await send('acc-pay', recovery);
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        const [resolved] = s.alerts;
        expect(resolved).toMatchObject({
          state: 'resolved',
          resolvedBy: 'stripe-int',
          resolution: 'payment recovered: paid after 1 failed attempt (event stripe:evt_p1)',
        });
        expect((resolved!.tasks ?? []).every((t) => t.state !== 'open')).toBe(true);
        expect(acts.alerts.get(resolved!.id)).toMatchObject({ state: 'resolved', revision: resolved!.revision });
        // Past the P0 SLA: a resolved alert climbs no chain; the recovery delivered again changes nothing.
        await send('acc-pay', recovery);
        await suite.env.sleep(6 * HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(1);
        expect(s.alerts[0]!.escalations.every((e) => e.escalatedAt === null)).toBe(true);
        expect(s.alerts[0]!.revision).toBe(resolved!.revision);
        expect([...acts.notifications.keys()].filter((k) => k.includes(':escalation:'))).toEqual([]);
        // A failure after the recovery counts again (its rule alerts or is suppressed as a repeat); the resolved alert stays resolved.
        await send('acc-pay', {
          eventId: 'stripe:evt_f2',
          source: 'stripe-int',
          type: 'payment_failure',
          occurredAt: new Date(start + 8 * HOUR).toISOString(),
          payload: { amountCents: 120_000, attempt: 1 },
        });
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts[0]).toMatchObject({ id: resolved!.id, state: 'resolved' });
        expect(s.signals.events.payment_failure?.map((r) => r.at)).toEqual([new Date(start + 8 * HOUR).toISOString()]);
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    'raises a P0 for a sponsor leaving a $150K enterprise account 45 days before renewal: at once, to CSM, manager and sales; SLA escalation once per level, none after acknowledgement; repeats suppressed',
    async () => {
      const { acts, worker, start, send } = await setUp('acc-p0');
      acts.context = {
        account: {
          id: 'acc-p0',
          name: 'Big KK',
          segment: 'enterprise',
          arrCents: 15_000_000,
          renewalDate: addDays(localDateAt(new Date(start), 'Asia/Tokyo'), 45),
          timeZone: 'Asia/Tokyo',
          vertical: null,
        },
        ownerCsmId: 'csm-1',
        csmManagerId: 'mgr-1',
        salesRepId: 'ae-1',
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      await worker.runUntil(async () => {
        await send('acc-p0', {
          eventId: 'crm:sd-1',
          type: 'sponsor_departure',
          occurredAt: new Date(start).toISOString(),
          payload: { reason: 'departed', contactName: 'Tanaka' },
        });
        await suite.env.sleep(HOUR / 2);
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(accountRiskWorkflowId('acc-p0'));
        let s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(1);
        const alert = s.alerts[0]!;
        expect(alert).toMatchObject({ ruleId: 'sponsor_departure', severity: 'P0', state: 'open' });
        expect(alert.deliverAt).toBe(alert.triggeredAt);
        expect(alert.recipients.map((r) => [r.role, r.personId])).toEqual([
          ['csm', 'csm-1'],
          ['csm_manager', 'mgr-1'],
          ['sales_rep', 'ae-1'],
        ]);
        expect(acts.notifications.get(alert.notificationKey)).toMatchObject({
          severity: 'P0',
          recipientIds: ['csm-1', 'mgr-1', 'ae-1'],
          deliverAfter: alert.triggeredAt,
          // A P0 sponsor departure goes by SMS too, to all three: each is notified at once (§5.4).
          smsRecipientIds: ['csm-1', 'mgr-1', 'ae-1'],
        });

        await suite.env.sleep(5 * HOUR); // past the 4-hour P0 SLA: the first step up
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts[0]!.escalations.map((e) => e.escalatedAt !== null)).toEqual([true, false, false]);
        expect([...acts.notifications.keys()].filter((k) => k.includes(':escalation:'))).toEqual([
          `${alert.id}:escalation:1`,
        ]);
        expect(acts.notifications.get(`${alert.id}:escalation:1`)).toMatchObject({
          kind: 'alert_escalated',
          recipientIds: ['csm-1'],
          // Level 1 is the CSM manager step, resolved up csm-1's chain by the writer (never the CSM himself).
          escalation: { level: 1, role: 'csm_manager', csmId: 'csm-1', csmManagerId: 'mgr-1' },
        });

        await h.executeUpdate(acknowledgeAlertUpdate, { args: [{ alertId: alert.id, by: 'csm-1' }] });
        expect(
          await refusal(h.executeUpdate(acknowledgeAlertUpdate, { args: [{ alertId: alert.id, by: 'csm-1' }] })),
        ).toBe('AlertAlreadyHandled');
        expect(
          await refusal(
            h.executeUpdate(acknowledgeAlertUpdate, { args: [{ alertId: 'alert:acc-p0:99', by: 'csm-1' }] }),
          ),
        ).toBe('AlertNotFound');
        // The same departure reported again by another source: acknowledged, not worse, so suppressed.
        await send('acc-p0', {
          eventId: 'hr:sd-1',
          source: 'hr',
          type: 'sponsor_departure',
          occurredAt: new Date(start + 6 * HOUR).toISOString(),
          payload: { reason: 'departed', contactName: 'Tanaka' },
        });
        await suite.env.sleep(20 * HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(1);
        expect(s.suppressedCount).toBeGreaterThanOrEqual(1);
        expect(s.alerts[0]!.escalations.filter((e) => e.escalatedAt)).toHaveLength(1);
        expect(acts.alerts.get(alert.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'csm-1' });
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    'routes a 30% usage drop on a $5K SMB account as P2 into the next daily digest, and four usage alerts of one day into one notification',
    async () => {
      const { acts, worker, start, send } = await setUp('acc-usage');
      const tz = 'America/Denver';
      acts.context = {
        account: {
          id: 'acc-usage',
          name: 'Small LLC',
          segment: 'smb',
          arrCents: 500_000,
          renewalDate: addDays(localDateAt(new Date(start), tz), 120),
          timeZone: tz,
          vertical: null,
        },
        ownerCsmId: 'csm-2',
        csmManagerId: 'mgr-2',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      const dropStart = start - 14 * DAY - 2 * HOUR;
      await worker.runUntil(async () => {
        // 60 days at 200 active users, then 14 days at 140 (down 30%); key users, core features and data created fall too.
        for (let d = -60; d <= 14; d++) {
          const low = d >= 0;
          await send('acc-usage', {
            eventId: `analytics:u-${d}`,
            source: 'analytics',
            type: 'usage_snapshot',
            occurredAt: new Date(dropStart + d * DAY).toISOString(),
            payload: {
              activeUsers: low ? 140 : 200,
              keyUserLogins: low ? 40 : 100,
              coreFeatureUsage: low ? 50 : 100,
              dataCreated: low ? 50 : 100,
            },
          });
        }
        await suite.env.sleep(HOUR);
        const s = await suite.query(
          suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(accountRiskWorkflowId('acc-usage')),
          getAccountRiskStateQuery,
        );
        const usageDrop = s.alerts.find((a) => a.ruleId === 'usage_drop')!;
        expect(usageDrop).toMatchObject({ severity: 'P2', measure: { value: 30 } });
        expect(usageDrop.recipients.map((r) => [r.role, r.timing])).toEqual([['csm', 'daily_digest']]);
        // The next 09:00 in Denver after it was raised.
        const deliver = new Date(usageDrop.deliverAt);
        expect(
          new Intl.DateTimeFormat('en-GB', {
            timeZone: tz,
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          }).format(deliver),
        ).toBe('09:00');
        expect(deliver.getTime() - Date.parse(usageDrop.triggeredAt)).toBeGreaterThan(0);
        expect(deliver.getTime() - Date.parse(usageDrop.triggeredAt)).toBeLessThanOrEqual(DAY);
        // Every usage alert of the day shares one notification listing each metric.
        const usage = s.alerts.filter((a) => a.group === 'usage');
        expect(usage.length).toBe(4);
        expect(new Set(usage.map((a) => a.notificationKey)).size).toBe(1);
        const n = acts.notifications.get(usage[0]!.notificationKey)!;
        expect(n.alertIds).toEqual(usage.map((a) => a.id));
        expect(n.lines).toHaveLength(4);
        expect(acts.notifications.size).toBe(1);
        // Every snapshot with a baseline (3 before it) is a usage reading, the drop and any recovery alike; the alert adds none.
        const usageReadings = acts.readings.filter((r) => r.usageChangePct !== null);
        expect(usageReadings.map((r) => r.eventId)).toEqual(
          Array.from({ length: 72 }, (_, i) => `analytics:u-${i - 57}`),
        );
        expect(usageReadings.find((r) => r.eventId === 'analytics:u--1')!.usageChangePct).toBe(0);
        expect(usageReadings.find((r) => r.eventId === 'analytics:u-0')!.usageChangePct).toBe(-30);
        expect(acts.readings.filter((r) => r.source === 'early_warning')).toEqual([]);
        await suite.env.client.workflow.getHandle(accountRiskWorkflowId('acc-usage')).terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    'suppresses a repeat after the trigger and after an acknowledgement, and alerts again when it worsens',
    async () => {
      const { acts, worker, start, send } = await setUp('acc-worse');
      acts.context = {
        account: {
          id: 'acc-worse',
          name: 'Mid BV',
          segment: 'mid_market',
          arrCents: 4_000_000,
          renewalDate: addDays(localDateAt(new Date(start), 'Europe/Amsterdam'), 120),
          timeZone: 'Europe/Amsterdam',
          vertical: null,
        },
        ownerCsmId: 'csm-3',
        csmManagerId: 'mgr-3',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      const health = async (n: number, score: number) =>
        send('acc-worse', {
          eventId: `crm:h-${n}`,
          type: 'health_score',
          occurredAt: (await suite.now()).toISOString(),
          payload: { score },
        });
      await worker.runUntil(async () => {
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(accountRiskWorkflowId('acc-worse'));
        await health(1, 55);
        await suite.env.sleep(HOUR);
        let s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts.map((a) => [a.ruleId, a.measure.value])).toEqual([['health_low', 55]]);
        // The same level a day later: a repeat within 7 days, suppressed.
        await suite.env.sleep(DAY);
        await health(2, 54);
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(1);
        const suppressedBefore = s.suppressedCount;
        expect(suppressedBefore).toBeGreaterThanOrEqual(1);
        await h.executeUpdate(acknowledgeAlertUpdate, { args: [{ alertId: s.alerts[0]!.id, by: 'csm-3' }] });
        // Acknowledged and barely worse (4 points, the rule asks for 5): still suppressed.
        await health(3, 51);
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(1);
        expect(s.suppressedCount).toBeGreaterThan(suppressedBefore);
        // Worse by 5 points or more: alerted again, although acknowledged.
        await health(4, 50);
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts.map((a) => [a.ruleId, a.measure.value, a.state])).toEqual([
          ['health_low', 55, 'acknowledged'],
          ['health_low', 50, 'open'],
        ]);
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    'holds alerts back during a manual suppression window, lets them through once it is removed, and never brings a removed window back',
    async () => {
      const { acts, worker, start, send } = await setUp('acc-supp');
      const tz = 'Europe/Amsterdam';
      acts.context = {
        account: {
          id: 'acc-supp',
          name: 'Quiet BV',
          segment: 'mid_market',
          arrCents: 4_000_000,
          renewalDate: addDays(localDateAt(new Date(start), tz), 200),
          timeZone: tz,
          vertical: null,
        },
        ownerCsmId: 'csm-4',
        csmManagerId: 'mgr-4',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      const today = localDateAt(new Date(start), tz);
      const window = {
        id: 'csm-4:migration',
        from: addDays(today, -1),
        to: addDays(today, 10),
        groups: [] as AlertGroup[],
        reason: 'Data migration',
        by: 'csm-4',
        at: new Date(start).toISOString(),
      };
      const health = async (n: number, score: number) =>
        send('acc-supp', {
          eventId: `crm:h-${n}`,
          type: 'health_score',
          occurredAt: (await suite.now()).toISOString(),
          payload: { score },
        });
      await worker.runUntil(async () => {
        const workflowId = accountRiskWorkflowId('acc-supp');
        await suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [typeof window]>(
          'accountRiskWorkflow',
          {
            taskQueue: worker.options.taskQueue,
            workflowId,
            args: [{ accountId: 'acc-supp', policy: DEFAULT_POLICY }],
            signal: addSuppressionSignal,
            signalArgs: [window],
          },
        );
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(workflowId);
        await health(1, 45);
        await suite.env.sleep(HOUR);
        let s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.alerts).toHaveLength(0);
        expect(s.suppressedCount).toBeGreaterThanOrEqual(1);
        expect(s.suppressions.map((x) => x.id)).toEqual([window.id]);

        expect(
          await h.executeUpdate(removeSuppressionUpdate, { args: [{ suppressionId: window.id, by: 'mgr-4' }] }),
        ).toMatchObject({ id: window.id, removedBy: 'mgr-4' });
        expect(
          await refusal(
            h.executeUpdate(removeSuppressionUpdate, { args: [{ suppressionId: window.id, by: 'mgr-4' }] }),
          ),
        ).toBe('SuppressionNotFound');
        expect(
          await refusal(
            h.executeUpdate(removeSuppressionUpdate, { args: [{ suppressionId: 'nobody:nothing', by: 'mgr-4' }] }),
          ),
        ).toBe('SuppressionNotFound');
        // A late repeat of the original signal does not bring the window back.
        await h.signal(addSuppressionSignal, window);
        await health(2, 44);
        await suite.env.sleep(HOUR);
        s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.suppressions).toEqual([]);
        expect(s.removedSuppressionIds).toEqual([window.id]);
        expect(s.alerts.map((a) => [a.ruleId, a.measure.value])).toEqual([['health_low', 44]]);
        expect(acts.notifications.size).toBe(1);
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it.each([
    ['education', 'is suppressed: the education summer break', 0],
    ['technology', 'raises its alert: the summer window is education only', 1],
  ] as const)(
    "the usage drop of an account in %s in mid-June %s (the account's vertical reaches the seasonal windows)",
    async (vertical, _, alerts) => {
      const accountId = `acc-summer-${vertical}`;
      // To the next 18 June, 12:00 UTC, unless the test server is already there.
      const now = new Date(await suite.env.currentTimeMs());
      const year = now.getUTCFullYear() + (now.getTime() > Date.UTC(now.getUTCFullYear(), 5, 18, 13) ? 1 : 0);
      const june18 = Date.UTC(year, 5, 18, 12);
      if (june18 > now.getTime()) await suite.env.sleep(june18 - now.getTime());
      const { acts, worker, start, send } = await setUp(accountId);
      expect(localDateAt(new Date(start), 'UTC').slice(5)).toBe('06-18');
      acts.context = {
        account: {
          id: accountId,
          name: 'Campus Ltd',
          segment: 'smb',
          vertical,
          arrCents: 500_000,
          renewalDate: addDays(localDateAt(new Date(start), 'UTC'), 120),
          timeZone: 'UTC',
        },
        ownerCsmId: 'csm-5',
        csmManagerId: 'mgr-5',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      // 60 days at 200 active users, then from 1 June 140 (down 30%, the SMB threshold is 25%).
      const dropStart = start - 17 * DAY - 2 * HOUR;
      await worker.runUntil(async () => {
        for (let d = -60; d <= 17; d++)
          await send(accountId, {
            eventId: `analytics:u-${d}`,
            source: 'analytics',
            type: 'usage_snapshot',
            occurredAt: new Date(dropStart + d * DAY).toISOString(),
            payload: { activeUsers: d >= 0 ? 140 : 200 },
          });
        await suite.env.sleep(HOUR);
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(accountRiskWorkflowId(accountId));
        const s = await suite.query(h, getAccountRiskStateQuery);
        expect(s.eventsApplied).toBe(78);
        expect(s.alerts.filter((a) => a.ruleId === 'usage_drop').map((a) => a.measure.value)).toEqual(
          alerts ? [30] : [],
        );
        if (!alerts) {
          expect(s.alerts.filter((a) => a.group === 'usage')).toEqual([]);
          expect(s.suppressedCount).toBeGreaterThanOrEqual(1);
        }
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    "lays out the sponsor departure's playbook as tasks at the alert; an overdue task escalates once to the CSM's manager, a done one never, and resolving the alert cancels the rest",
    // Last in the suite: it moves the test server's clock on by more than a week, which in early December
    // would carry the usage-drop test above into the year-end usage-quiet window (docs/rulebook.md §5.5).
    async () => {
      const { acts, worker, start, send } = await setUp('acc-playbook');
      const tz = 'Europe/Berlin';
      acts.context = {
        account: {
          id: 'acc-playbook',
          name: 'Playbook GmbH',
          segment: 'mid_market',
          arrCents: 4_000_000,
          renewalDate: addDays(localDateAt(new Date(start), tz), 120),
          timeZone: tz,
          vertical: null,
        },
        ownerCsmId: 'csm-5',
        csmManagerId: 'mgr-5',
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      const departure = (accountId: string, occurredAt: number) => ({
        eventId: `crm:sd-${accountId}`,
        type: 'sponsor_departure',
        occurredAt: new Date(occurredAt).toISOString(),
        payload: { reason: 'departed', contactName: 'Weber' },
      });
      const taskNotices = () => acts.written.filter((k) => k.includes(':task:'));
      await worker.runUntil(async () => {
        await send('acc-playbook', departure('acc-playbook', start));
        await suite.env.sleep(HOUR / 2);
        const h = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(
          accountRiskWorkflowId('acc-playbook'),
        );
        let alert = (await suite.query(h, getAccountRiskStateQuery)).alerts[0]!;
        const at = Date.parse(alert.triggeredAt);
        const until = async (hours: number) => suite.env.sleep(at + hours * HOUR - (await suite.env.currentTimeMs()));
        // Laid out at the trigger: seed 004's hours (4 h, 24 h, 48 h, 2 weeks) and 12 weekly touchpoints.
        expect(alert.tasks!.map((t) => [t.id, (Date.parse(t.dueAt) - at) / HOUR, t.state])).toEqual([
          ['assess', 4, 'open'],
          ['internal_coordination', 24, 'open'],
          ['customer_outreach', 48, 'open'],
          ['weekly_touchpoint-1', 168, 'open'],
          ['relationship_reset', 336, 'open'],
          ...Array.from({ length: 11 }, (_, i) => [`weekly_touchpoint-${i + 2}`, 168 * (i + 2), 'open']),
        ]);
        expect(acts.alerts.get(alert.id)!.tasks).toHaveLength(16);
        // Acknowledged: the SLA escalation stops, the playbook goes on.
        await h.executeUpdate(acknowledgeAlertUpdate, { args: [{ alertId: alert.id, by: 'csm-5' }] });

        // Done before its deadline: it never escalates.
        const done = await h.executeUpdate(completeAlertTaskUpdate, {
          args: [{ alertId: alert.id, taskId: 'internal_coordination', by: 'csm-5', note: 'Plan agreed with mgr-5' }],
        });
        expect(done).toMatchObject({ id: 'internal_coordination', state: 'done', completedBy: 'csm-5' });
        expect(done.note).toBe('Plan agreed with mgr-5');
        const complete = (alertId: string, taskId: string) =>
          refusal(h.executeUpdate(completeAlertTaskUpdate, { args: [{ alertId, taskId, by: 'csm-5' }] }));
        expect(await complete(alert.id, 'internal_coordination')).toBe('AlertTaskAlreadyDone');
        expect(await complete(alert.id, 'no_such_task')).toBe('AlertTaskNotFound');
        expect(await complete('alert:acc-playbook:99', 'assess')).toBe('AlertNotFound');

        // Past the 4-hour assessment: escalated once, to the CSM's manager up his chain.
        await until(5);
        expect(taskNotices()).toEqual([`${alert.id}:task:assess:overdue`]);
        expect(acts.notifications.get(`${alert.id}:task:assess:overdue`)).toMatchObject({
          kind: 'playbook_task_overdue',
          recipientIds: ['csm-5'],
          escalation: { level: 1, role: 'csm_manager', csmId: 'csm-5', csmManagerId: 'mgr-5' },
          alertIds: [alert.id],
        });
        alert = (await suite.query(h, getAccountRiskStateQuery)).alerts[0]!;
        expect(alert.tasks!.find((t) => t.id === 'assess')!.escalatedAt).not.toBeNull();
        expect(acts.alerts.get(alert.id)!.tasks!.find((t) => t.id === 'assess')!.escalatedAt).not.toBeNull();
        // Done late: recorded, not escalated again.
        await h.executeUpdate(completeAlertTaskUpdate, {
          args: [{ alertId: alert.id, taskId: 'assess', by: 'csm-5' }],
        });

        // Past 24 h (the done coordination) and 48 h (the outreach, still open): only the open one escalates.
        await until(50);
        expect(taskNotices()).toEqual([
          `${alert.id}:task:assess:overdue`,
          `${alert.id}:task:customer_outreach:overdue`,
        ]);

        // Resolved: what is still open is cancelled, and nothing of it escalates any more.
        const resolved = await h.executeUpdate(resolveAlertUpdate, {
          args: [{ alertId: alert.id, by: 'csm-5', resolution: 'New sponsor met' }],
        });
        expect(resolved.tasks!.filter((t) => t.state === 'open')).toEqual([]);
        expect(resolved.tasks!.filter((t) => t.state === 'done').map((t) => t.id)).toEqual([
          'assess',
          'internal_coordination',
        ]);
        expect(resolved.tasks!.filter((t) => t.state === 'cancelled')).toHaveLength(14);
        expect(await complete(alert.id, 'weekly_touchpoint-1')).toBe('AlertTaskAlreadyDone');
        // Past the first weekly touchpoint's deadline (7 days): cancelled, so not escalated.
        await until(24 * 8);
        expect(taskNotices()).toHaveLength(2);
        expect(acts.alerts.get(alert.id)).toMatchObject({ state: 'resolved' });

        // An account workflow started under a policy from before the playbooks lays out none.
        const old = structuredClone(DEFAULT_POLICY);
        delete (old.earlyWarning as Partial<typeof old.earlyWarning>).playbooks;
        await suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
          'accountRiskWorkflow',
          {
            taskQueue: worker.options.taskQueue,
            workflowId: accountRiskWorkflowId('acc-playbook-old'),
            args: [{ accountId: 'acc-playbook-old', policy: old }],
            signal: integrationEventSignal,
            signalArgs: [
              {
                source: 'crm',
                accountId: 'acc-playbook-old',
                ...departure('acc-playbook-old', await suite.env.currentTimeMs()),
              },
            ],
          },
        );
        await suite.env.sleep(HOUR / 2);
        const hOld = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(
          accountRiskWorkflowId('acc-playbook-old'),
        );
        expect((await suite.query(hOld, getAccountRiskStateQuery)).alerts.map((a) => [a.ruleId, a.tasks])).toEqual([
          ['sponsor_departure', []],
        ]);
        await hOld.terminate('test done');
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );
});
