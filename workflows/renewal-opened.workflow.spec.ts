import { anAccountSnapshot } from '../test/support/factories';
import { RecordingActivities as RecordingRenewalActivities, timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import {
  accountRiskWorkflowId,
  getAccountRiskStateQuery,
  getRenewalStateQuery,
  integrationEventSignal,
  renewalOpenedSignal,
  renewalWorkflowId,
  type AccountRiskActivities,
  type AccountRiskContext,
  type AlertNotificationRecord,
  type AlertRecord,
  type HealthReadingRecord,
  type IntegrationEventSignal,
  type RenewalReadModelUpdate,
  type RenewalWorkflowInput,
  type SaveState,
} from './definitions';
import { DEFAULT_POLICY, addDays, localDateAt } from './domain';
import type { accountRiskWorkflow } from './account-risk.workflow';
import type { renewalWorkflow } from './renewal.workflow';

const HOUR = 3_600_000;

/** The read models and the outbox as the account's early warning, its renewal and the renewal's save write them. */
class RecordingActivities extends RecordingRenewalActivities implements AccountRiskActivities {
  context: AccountRiskContext | null = null;
  readonly alerts = new Map<string, AlertRecord>();
  readonly alertNotifications = new Map<string, AlertNotificationRecord>();
  readonly renewalWrites: RenewalReadModelUpdate[] = [];
  readonly recordHealthReading = async (_: HealthReadingRecord): Promise<void> => undefined;
  readonly loadAccountContext = async (): Promise<AccountRiskContext | null> =>
    this.context ? structuredClone(this.context) : null;
  readonly recordAlert = async (a: AlertRecord): Promise<void> => void this.alerts.set(a.id, structuredClone(a));
  readonly upsertAlertNotification = async (n: AlertNotificationRecord): Promise<boolean> => {
    this.alertNotifications.set(n.key, structuredClone(n));
    return true;
  };
  readonly propagateAccountPeople = async (): Promise<void> => undefined;
  readonly recordRenewalState = async (u: RenewalReadModelUpdate): Promise<void> =>
    void this.renewalWrites.push(structuredClone(u));
  readonly recordSaveState = async (_: SaveState): Promise<void> => undefined;
}

describe('a renewal opening after its account spoke (time-skipping)', () => {
  const suite = timeSkippingSuite('renewal-opened');

  it(
    'hears of a sponsor departure said before it was in the read model, once: it turns red and asks for a save',
    async () => {
      const acts = new RecordingActivities();
      const { worker, taskQueue } = await suite.worker('renewal-opened', acts);
      const start = await suite.env.currentTimeMs();
      const renewalDate = addDays(localDateAt(new Date(start), 'UTC'), 200);
      const account = anAccountSnapshot('acc-late', { arrCents: 4_000_000, segment: 'mid_market' });
      // The account is known, and no renewal is open in the read model yet: the event's forward has no one to hear it.
      acts.context = {
        account: {
          id: 'acc-late',
          name: account.name,
          segment: 'mid_market',
          arrCents: 4_000_000,
          renewalDate: null,
          timeZone: 'UTC',
          vertical: null,
        },
        ownerCsmId: account.ownerCsmId,
        csmManagerId: account.csmManagerId,
        salesRepId: null,
        openRenewalId: null,
        renewalHasSave: false,
        activeSaveId: null,
      };
      const riskId = accountRiskWorkflowId('acc-late');
      const renewalId = renewalWorkflowId('acc-late', renewalDate);
      await worker.runUntil(async () => {
        await suite.env.client.workflow.signalWithStart<typeof accountRiskWorkflow, [IntegrationEventSignal]>(
          'accountRiskWorkflow',
          {
            taskQueue,
            workflowId: riskId,
            args: [{ accountId: 'acc-late', policy: DEFAULT_POLICY }],
            signal: integrationEventSignal,
            signalArgs: [
              {
                eventId: 'crm:sd-late',
                source: 'crm',
                accountId: 'acc-late',
                type: 'sponsor_departure',
                occurredAt: new Date(start).toISOString(),
                payload: { reason: 'departed', contactName: 'Tanaka' },
              },
            ],
          },
        );
        const risk = suite.env.client.workflow.getHandle<typeof accountRiskWorkflow>(riskId);
        let riskState = await suite.query(risk, getAccountRiskStateQuery);
        // Up to two hours of skipped time, a minute at a time.
        for (let i = 0; riskState.alerts.length === 0 && i < 120; i++) {
          await suite.env.sleep(HOUR / 60);
          riskState = await suite.query(risk, getAccountRiskStateQuery);
        }
        expect(riskState.alerts.map((a) => a.ruleId)).toEqual(['sponsor_departure']);
        // Kept for a renewal to come: the event's stakeholder change.
        expect((riskState.undeliveredForwards ?? []).map((f) => f.eventId)).toEqual(['crm:sd-late']);

        // The renewal launches now; the early warning reads the read model only when the account speaks again.
        const input: RenewalWorkflowInput = {
          account,
          renewalDate,
          policy: DEFAULT_POLICY,
          launchedBy: 'ops-1',
          health: {
            healthScore: 82,
            usageChangePct: 3,
            supportSentiment: 'positive',
            relationship: 'strong',
            businessOutcomes: 'achieved',
          },
        };
        const renewal = await suite.env.client.workflow.start<typeof renewalWorkflow>('renewalWorkflow', {
          taskQueue,
          workflowId: renewalId,
          args: [input],
        });
        let s = await suite.query(renewal, getRenewalStateQuery);
        for (let i = 0; s.category !== 'red' && i < 120; i++) {
          await suite.env.sleep(HOUR / 60);
          s = await suite.query(renewal, getRenewalStateQuery);
        }
        expect(s.category).toBe('red');
        expect(s.saveRequest).toMatchObject({ saveId: expect.any(String) });
        expect(acts.byKind('save_requested').map((n) => n.recipientIds)).toEqual([
          [account.ownerCsmId, account.csmManagerId],
        ]);
        riskState = await suite.query(risk, getAccountRiskStateQuery);
        expect(riskState.undeliveredForwards).toEqual([]);

        // Announced again (a retried signal): nothing is heard twice.
        const heard = s.appliedEventIds.filter((id) => id.startsWith('early-warning:')).sort();
        expect(heard).toContain('early-warning:crm:sd-late');
        await risk.signal(renewalOpenedSignal, { renewalId });
        await suite.env.sleep(HOUR);
        const after = await suite.query(renewal, getRenewalStateQuery);
        expect(after.appliedEventIds.filter((id) => id.startsWith('early-warning:')).sort()).toEqual(heard);
        expect(after.classificationHistory).toHaveLength(s.classificationHistory.length);
        expect(acts.byKind('save_requested')).toHaveLength(1);
        await renewal.terminate('test done');
        await risk.terminate('test done');
      });
    },
    timeout(60_000),
  );
});
