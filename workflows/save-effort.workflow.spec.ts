import { anAccountSnapshot } from '../test/support/factories';
import { RecordingActivities, refusal, timeSkippingSuite } from '../test/support/workflow-testing';
import { timeout } from '../test/support/workflow-histories';
import type { WorkflowHandle } from '@temporalio/client';
import {
  addIssueUpdate,
  addPlanItemUpdate,
  advanceEscalationSignal,
  completeGracefulExitStepUpdate,
  decideConcessionUpdate,
  logConversationUpdate,
  logEffortUpdate,
  renewalDecidedSignal,
  startEscalationUpdate,
  getSaveStateQuery,
  overrideProbabilityUpdate,
  recordSaveOutcomeUpdate,
  requestConcessionUpdate,
  retriageSignal,
  retriageUpdate,
  saveEffortWorkflowId,
  setPlanItemStateUpdate,
  type LogEffortUpdate,
  type PostSaveMonitoringInput,
  type SaveEffortInput,
  type SaveState,
} from './definitions';
import { DEFAULT_POLICY, addDays, effortHoursOf, localDateAt, resolvePolicy, type RetainPolicy } from './domain';
import type { SaveEffortActivities } from './save-effort.activities';
import type { saveEffortWorkflow } from './save-effort.workflow';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

class RecordingSaveActivities extends RecordingActivities implements SaveEffortActivities {
  readonly writes: SaveState[] = [];
  readonly recordSaveState = async (s: SaveState): Promise<void> => void this.writes.push(structuredClone(s));
}

/** Timers that fired in a workflow's history. */
const timersFired = (history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>): number =>
  (history.events ?? []).filter((e) => e.timerFiredEventAttributes).length;

const rationale = {
  businessRationale: 'Keeps a reference logo',
  expectedOutcome: '2-year renewal',
  alternativesConsidered: 'Service credits',
  riskFactors: 'Competitor evaluation',
};

describe('save-effort workflow (time-skipping)', () => {
  const suite = timeSkippingSuite('save-effort');

  async function start(
    accountId: string,
    over: Partial<SaveEffortInput> & { arrCents?: number; daysToRenewal?: number } = {},
  ) {
    const acts = new RecordingSaveActivities();
    const { worker, taskQueue } = await suite.worker(accountId, acts);
    const { arrCents = 15_000_000, daysToRenewal = 120, ...rest } = over;
    const renewalDate = addDays(localDateAt(await suite.now(), 'UTC'), daysToRenewal);
    const input: SaveEffortInput = {
      account: anAccountSnapshot(accountId, { arrCents, salesRepId: 'ae-1' }),
      renewalDate,
      renewalId: `renewal:${accountId}:${renewalDate}`,
      triggerReasons: ['competitive signals'],
      facts: {
        issuesFixable: 'yes',
        relationship: 'good',
        alternative: 'evaluating',
        budget: 'confirmed',
        stakeholders: 'engaged',
      },
      rootCause: 'value_perception',
      strategicFlags: {},
      policy: DEFAULT_POLICY,
      startedBy: 'ops-1',
      ...rest,
    };
    return { acts, worker, input, taskQueue, workflowId: saveEffortWorkflowId(accountId, renewalDate) };
  }
  const state = (h: WorkflowHandle<typeof saveEffortWorkflow>): Promise<SaveState> => suite.query(h, getSaveStateQuery);

  it(
    'runs a full save: triage, fast fixes escalating once, a concession up the chain, a partial save',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-full-save');
      const result = await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        let s = await state(h);
        expect(s.triage.allocation).toMatchObject({
          effort: 'full',
          valueTier: 'high',
          probabilityTier: 'high',
          timeBand: 'comprehensive',
          hoursPlanned: 40,
          expectedValueHours: 28,
        });

        for (const [i, d] of [
          ['Reports are wrong', 5],
          ['No SSO', 4],
          ['Slow exports', 3],
          ['Ugly UI', 1],
        ].entries()) {
          await h.executeUpdate(addIssueUpdate, {
            args: [
              {
                description: String(d[0]),
                source: 'qbr',
                frequency: 1,
                dealBreaker: i < 3,
                fixable: true,
                quickFix: false,
                impact: Number(d[1]),
                by: 'csm-1',
              },
            ],
          });
        }
        s = await state(h);
        expect(s.planItems.filter((p) => p.fastFix).map((p) => p.issue)).toEqual([
          'Reports are wrong',
          'No SSO',
          'Slow exports',
        ]);
        await h.executeUpdate(setPlanItemStateUpdate, {
          args: [{ itemId: 'item-1', state: 'done', evidence: 'Fixed in 1.42', by: 'csm-1' }],
        });
        expect(
          await refusal(
            h.executeUpdate(setPlanItemStateUpdate, { args: [{ itemId: 'item-2', state: 'done', by: 'csm-1' }] }),
          ),
        ).toBe('SaveInvalidChange');

        // A 20% discount on a value-perception save needs an override reason, then a director.
        const ask = {
          type: 'discount' as const,
          discountPct: 20,
          rationale,
          sunset: 'year 1 only',
          tiedTo: '2-year commitment',
          by: 'csm-1',
        };
        expect(await refusal(h.executeUpdate(requestConcessionUpdate, { args: [ask] }))).toBe(
          'SaveOverrideReasonRequired',
        );
        const c = await h.executeUpdate(requestConcessionUpdate, {
          args: [{ ...ask, overrideReason: 'Budget cut announced at QBR' }],
        });
        expect(c).toMatchObject({ requiredRole: 'director', awaitingRole: 'director', state: 'pending' });
        expect(
          await refusal(
            h.executeUpdate(decideConcessionUpdate, {
              args: [{ concessionId: c.id, approve: true, by: 'mgr-1', role: 'csm_manager' }],
            }),
          ),
        ).toBe('SaveConcessionBeyondAuthority');
        expect(
          await refusal(
            h.executeUpdate(decideConcessionUpdate, {
              args: [{ concessionId: c.id, approve: true, by: 'csm-1', role: 'director' }],
            }),
          ),
        ).toBe('SaveConcessionOwnRequest');

        await suite.env.sleep(73 * HOUR); // past the fast-fix due date and the approval SLA, twice
        s = await state(h);
        expect(s.planItems.filter((p) => p.escalatedAt).map((p) => p.id)).toEqual(['item-2', 'item-3']);
        expect(s.planCompletion).toMatchObject({ total: 3, done: 1, inProgress: 2, overdue: 2, completedPct: 33 });
        expect(s.concessions[0]!.awaitingRole).toBe('vp');
        expect(s.concessions[0]!.chain.map((st) => st.action)).toEqual(['requested', 'escalated', 'escalated']);

        const approved = await h.executeUpdate(decideConcessionUpdate, {
          args: [{ concessionId: c.id, approve: true, by: 'dir-1', role: 'director', note: 'ok for year 1' }],
        });
        expect(approved.chain.at(-1)).toMatchObject({ by: 'dir-1', role: 'director', action: 'approved' });
        expect(
          await refusal(
            h.executeUpdate(decideConcessionUpdate, {
              args: [{ concessionId: c.id, approve: false, by: 'vp-1', role: 'vp' }],
            }),
          ),
        ).toBe('SaveAlreadyDecided');

        expect(
          await refusal(
            h.executeUpdate(recordSaveOutcomeUpdate, {
              args: [
                {
                  result: 'saved',
                  kind: 'reduced_scope',
                  newArrCents: 20_000_000,
                  pauseDays: null,
                  reason: null,
                  competitor: null,
                  by: 'csm-1',
                },
              ],
            }),
          ),
        ).toBe('SaveInvalidChange');
        await h.executeUpdate(recordSaveOutcomeUpdate, {
          args: [
            {
              result: 'saved',
              kind: 'reduced_scope',
              newArrCents: 12_000_000,
              pauseDays: null,
              reason: null,
              competitor: null,
              by: 'csm-1',
            },
          ],
        });
        return h.result();
      });
      expect(result).toMatchObject({ status: 'saved', outcome: { kind: 'reduced_scope', newArrCents: 12_000_000 } });
      const last = acts.writes.at(-1)!;
      expect(last.handOff).toMatchObject({
        to: 'post_save_monitoring',
        workflowId: `monitoring:acc-full-save:${input.renewalDate}`,
      });
      // Every commitment of the save travels to the monitoring: the three fast fixes and the approved concession.
      expect(acts.launches).toHaveLength(1);
      const monitoring = acts.launches[0]!.input as PostSaveMonitoringInput;
      expect(monitoring.promises.map((p) => [p.source, p.state ?? 'open'])).toEqual([
        ['plan_item', 'delivered'],
        ['plan_item', 'open'],
        ['plan_item', 'open'],
        ['concession', 'open'],
      ]);
      expect(monitoring.account.arrCents).toBe(12_000_000);
      expect(monitoring.saved).toMatchObject({
        saveId: workflowId,
        outcomeKind: 'reduced_scope',
        concessions: [{ type: 'discount', discountPct: 20 }],
      });
      expect(acts.kinds().filter((k) => k === 'plan_item_overdue')).toHaveLength(2);
      expect(acts.kinds().filter((k) => k === 'approval_escalated')).toHaveLength(2);
    },
    timeout(120_000),
  );

  it(
    'exits gracefully at once when the effort is none',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-none-save', {
        arrCents: 300_000,
        facts: {
          issuesFixable: 'no',
          relationship: 'broken',
          alternative: 'committed',
          budget: 'none',
          stakeholders: 'checked_out',
        },
      });
      const result = await worker.runUntil(
        suite.env.client.workflow.execute<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        }),
      );
      expect(result.status).toBe('exited');
      const last = acts.writes.at(-1)!;
      expect(last.triage.allocation.effort).toBe('none');
      expect(last.gracefulExit?.steps.map((st) => st.key)).toEqual([
        'data_export',
        'knowledge_transfer',
        'offboarding_support',
        'door_open',
      ]);
      expect(last.handOff?.to).toBe('win_back');
      // No renewal workflow runs for this account: the save records that it could not link.
      expect(last.renewalLink).toBe('no_renewal');
      // An exited save starts no win-back yet: that comes with the renewal's churn.
      expect(acts.launches).toEqual([]);
    },
    timeout(60_000),
  );

  it(
    're-triages when facts change and honours a recorded override; a light save escalates its passed deadline',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-light-save', { arrCents: 1_000_000 });
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        let s = await state(h);
        expect(s.triage.allocation.effort).toBe('light');
        await h.signal(retriageSignal, { eventId: 'e-1', by: 'csm-1', strategicFlags: { logo: true } });
        await h.signal(retriageSignal, { eventId: 'e-1', by: 'csm-1', strategicFlags: { logo: true } });
        await suite.env.sleep(1_000);
        s = await state(h);
        expect(s.triageHistory.map((t) => t.allocation.effort)).toEqual(['light', 'standard']);
        expect(
          await refusal(
            h.executeUpdate(overrideProbabilityUpdate, { args: [{ tier: 'low', reason: ' ', by: 'mgr-1' }] }),
          ),
        ).toBe('SaveInvalidChange');
        const t = await h.executeUpdate(overrideProbabilityUpdate, {
          args: [{ tier: 'low', reason: 'They signed an LOI with a competitor', by: 'mgr-1' }],
        });
        expect(t.allocation.effort).toBe('light');
        expect(t.probabilityOverride).toMatchObject({ tier: 'low', by: 'mgr-1' });
        await suite.env.sleep(15 * DAY);
        expect(acts.kinds()).toContain('save_deadline_passed');
        await h.executeUpdate(recordSaveOutcomeUpdate, {
          args: [
            {
              result: 'lost',
              kind: 'lost',
              newArrCents: null,
              pauseDays: null,
              reason: 'Chose a cheaper tool',
              competitor: 'CheapCo',
              by: 'csm-1',
            },
          ],
        });
        const r = await h.result();
        expect(r.status).toBe('lost');
      });
      const last = acts.writes.at(-1)!;
      expect(last.gracefulExit).not.toBeNull();
      expect(last.handOff?.to).toBe('win_back');
    },
    timeout(120_000),
  );

  it(
    'runs a standard save: a small concession climbs csm -> csm_manager -> director on its SLA and the director approves',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-std-save', {
        arrCents: 5_000_000,
        facts: {
          issuesFixable: 'complex',
          relationship: 'strained',
          alternative: 'evaluating',
          budget: 'uncertain',
          stakeholders: 'mixed',
        },
      });
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        let s = await state(h);
        expect(s.triage.allocation).toMatchObject({
          effort: 'standard',
          valueTier: 'medium',
          probabilityTier: 'medium',
          people: ['csm', 'csm_manager'],
        });
        const c = await h.executeUpdate(requestConcessionUpdate, {
          args: [
            {
              type: 'payment_terms',
              terms: 'quarterly billing',
              rationale,
              sunset: 'this term',
              tiedTo: 'renewal signed this month',
              by: 'csm-1',
            },
          ],
        });
        expect(c.requiredRole).toBe('csm');
        await suite.env.sleep(25 * HOUR);
        expect((await state(h)).concessions[0]!.awaitingRole).toBe('csm_manager');
        await suite.env.sleep(24 * HOUR);
        s = await state(h);
        expect(s.concessions[0]!.awaitingRole).toBe('director');
        expect(s.concessions[0]!.chain.map((st) => st.action)).toEqual(['requested', 'escalated', 'escalated']);
        const ok = await h.executeUpdate(decideConcessionUpdate, {
          args: [{ concessionId: c.id, approve: true, by: 'dir-1', role: 'director' }],
        });
        expect(ok.state).toBe('approved');
        // End it through the workflow, not terminate: a terminated run can leave an
        // activity outstanding on the test server, which then stops skipping time.
        await h.executeUpdate(recordSaveOutcomeUpdate, {
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
        await h.result();
      });
      expect(acts.kinds().filter((k) => k === 'approval_escalated')).toHaveLength(2);
    },
    timeout(120_000),
  );

  it(
    'runs the executive-escalation protocol step by step, logs conversations, flags lost-cause signs, and closes on the renewal decision',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-exec-save', { arrCents: 1_000_000 });
      const result = await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        const brief = { history: 'h', issues: 'i', plan: 'p', objective: 'o', talkingPoints: 't', timing: 'next week' };
        // $10K ARR, no strategic flag: only with an override reason.
        expect(await refusal(h.executeUpdate(startEscalationUpdate, { args: [{ brief, by: 'csm-1' }] }))).toBe(
          'SaveEscalationCriteriaUnmet',
        );
        const esc = await h.executeUpdate(startEscalationUpdate, {
          args: [{ brief, overrideReason: 'Their CEO asked for ours', by: 'csm-1' }],
        });
        expect(esc.steps.map((st) => [st.step, st.completedAt !== null])).toEqual([
          ['brief_prepared', true],
          ['executive_engaged', false],
          ['csm_follow_up', false],
          ['closed_and_documented', false],
        ]);
        expect(
          await refusal(
            h.executeUpdate(startEscalationUpdate, { args: [{ brief, overrideReason: 'again', by: 'csm-1' }] }),
          ),
        ).toBe('SaveAlreadyDecided');

        await h.signal(advanceEscalationSignal, { eventId: 'x-1', step: 'csm_follow_up', by: 'csm-1' }); // out of order: ignored
        await h.signal(advanceEscalationSignal, {
          eventId: 'x-2',
          step: 'executive_engaged',
          by: 'vp-1',
          note: 'called their CEO',
        });
        await h.signal(advanceEscalationSignal, { eventId: 'x-2', step: 'executive_engaged', by: 'vp-1' }); // duplicate: ignored
        await suite.env.sleep(1_000);
        let s = await state(h);
        expect(s.escalation!.steps.filter((st) => st.completedAt).map((st) => st.step)).toEqual([
          'brief_prepared',
          'executive_engaged',
        ]);
        await suite.env.sleep(4 * DAY); // csm_follow_up overdue: escalated once
        s = await state(h);
        expect(s.escalation!.steps.find((st) => st.step === 'csm_follow_up')!.escalatedAt).not.toBeNull();

        await h.executeUpdate(logConversationUpdate, {
          args: [{ stage: 'open_with_honesty', result: 'They listened', by: 'csm-1' }],
        });
        await h.executeUpdate(logConversationUpdate, {
          args: [{ stage: 'get_to_truth', result: 'Already signed with CheapCo', decisionFinal: true, by: 'csm-1' }],
        });
        await h.signal(retriageSignal, { eventId: 'r-1', by: 'csm-1', facts: { alternative: 'committed' } });
        await suite.env.sleep(1_000);
        s = await state(h);
        expect(s.conversations.map((c) => c.stage)).toEqual(['open_with_honesty', 'get_to_truth']);
        expect(s.lostCause.suggestStop).toBe(true);
        expect(s.lostCause.signs).toEqual(
          expect.arrayContaining([
            'signed with or committed to a competitor',
            'the customer says the decision is final',
          ]),
        );

        await h.signal(renewalDecidedSignal, {
          eventId: 'renewal-decision',
          outcome: 'churned',
          newArrCents: 0,
          reason: 'Cheaper tool',
        });
        return h.result();
      });
      expect(result).toMatchObject({
        status: 'lost',
        outcome: { result: 'lost', decidedBy: 'renewal', reason: 'Cheaper tool' },
      });
      expect(acts.writes.at(-1)!.handOff?.to).toBe('win_back');
    },
    timeout(120_000),
  );
  it(
    're-triages through the validated update: refuses an empty or bad change, keeps a recorded override, applies a retry once',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-retriage', { arrCents: 1_000_000 });
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        expect((await state(h)).triage.allocation.effort).toBe('light');
        expect(await refusal(h.executeUpdate(retriageUpdate, { args: [{ by: 'csm-1' }] }))).toBe('SaveInvalidChange');
        expect(
          await refusal(
            h.executeUpdate(retriageUpdate, {
              args: [{ facts: { budget: 'plenty' as never }, by: 'csm-1' }],
            }),
          ),
        ).toBe('SaveInvalidChange');
        expect(
          await refusal(
            h.executeUpdate(retriageUpdate, { args: [{ strategicFlags: { vip: true } as never, by: 'csm-1' }] }),
          ),
        ).toBe('SaveInvalidChange');
        // An active save has no graceful exit to take steps of.
        expect(
          await refusal(
            h.executeUpdate(completeGracefulExitStepUpdate, { args: [{ step: 'data_export', by: 'csm-1' }] }),
          ),
        ).toBe('SaveNoGracefulExit');

        // A logo raises the value a step: standard.
        const logo = { strategicFlags: { logo: true }, reason: 'Their logo is on our homepage', by: 'csm-1' };
        const first = await h.executeUpdate(retriageUpdate, { args: [logo], updateId: 'retriage-1' });
        expect(first.allocation.effort).toBe('standard');
        expect(first.cause).toBe('re-triaged by csm-1: Their logo is on our homepage');
        const retried = await h.executeUpdate(retriageUpdate, { args: [logo], updateId: 'retriage-1' });
        expect(retried.at).toBe(first.at);

        // A recorded override stays in force when the facts change again.
        await h.executeUpdate(overrideProbabilityUpdate, {
          args: [{ tier: 'low', reason: 'They signed an LOI with a competitor', by: 'mgr-1' }],
        });
        const t = await h.executeUpdate(retriageUpdate, {
          args: [{ facts: { alternative: 'none', stakeholders: 'mixed' }, by: 'csm-1' }],
        });
        expect(t.probability).toMatchObject({ tier: 'high', points: 9 });
        expect(t.probabilityOverride).toMatchObject({ tier: 'low', by: 'mgr-1' });
        expect(t.allocation).toMatchObject({ probabilityTier: 'low', effort: 'light' });
        const s = await state(h);
        expect(s.facts).toMatchObject({ alternative: 'none', stakeholders: 'mixed', budget: 'confirmed' });
        expect(s.strategicFlags).toEqual({ logo: true });
        expect(s.triageHistory.map((x) => [x.cause, x.allocation.effort])).toEqual([
          ['start', 'light'],
          ['re-triaged by csm-1: Their logo is on our homepage', 'standard'],
          ['probability overridden by mgr-1', 'light'],
          ['re-triaged by csm-1', 'light'],
        ]);

        await h.executeUpdate(recordSaveOutcomeUpdate, {
          args: [
            {
              result: 'lost',
              kind: 'lost',
              newArrCents: null,
              pauseDays: null,
              reason: 'Budget gone',
              competitor: null,
              by: 'csm-1',
            },
          ],
        });
        // Lost, the save is still open for its graceful exit, and takes no re-triage.
        expect(await refusal(h.executeUpdate(retriageUpdate, { args: [logo] }))).toBe('SaveClosed');
        // Nobody marks its steps: it stays open until the continued service ends, then ends.
        await suite.env.sleep(20 * DAY);
        expect((await h.describe()).status.name).toBe('RUNNING');
        expect(await h.result()).toMatchObject({ status: 'lost' });
        expect(timersFired(await h.fetchHistory())).toBe(1);
        expect(acts.writes.at(-1)!.gracefulExit!.steps.every((st) => !st.done)).toBe(true);
        await expect(
          h.executeUpdate(completeGracefulExitStepUpdate, { args: [{ step: 'data_export', by: 'csm-1' }] }),
        ).rejects.toThrow();
      });
    },
    timeout(120_000),
  );

  it(
    "takes an exited save's graceful exit steps, each once, and ends when the last is done",
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-exit-steps', {
        arrCents: 300_000,
        facts: {
          issuesFixable: 'no',
          relationship: 'broken',
          alternative: 'committed',
          budget: 'none',
          stakeholders: 'checked_out',
        },
      });
      let firstDoneAt: string | null = null;
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        expect((await state(h)).status).toBe('exited');
        const step = (name: string, updateId?: string, note?: string) =>
          h.executeUpdate(completeGracefulExitStepUpdate, {
            args: [{ step: name, by: 'csm-1', ...(note ? { note } : {}) }],
            ...(updateId ? { updateId } : {}),
          });
        expect(await refusal(step('farewell_party'))).toBe('SaveItemNotFound');
        const done = await step('data_export', 'exit-1', ' CSV and API dump sent ');
        expect(done.steps.find((st) => st.key === 'data_export')).toMatchObject({
          done: true,
          doneBy: 'csm-1',
          note: 'CSV and API dump sent',
        });
        firstDoneAt = done.steps[0]!.doneAt;
        // A retry with the same update id answers the first result; a second request is refused.
        expect(await step('data_export', 'exit-1', ' CSV and API dump sent ')).toEqual(done);
        expect(await refusal(step('data_export'))).toBe('SaveGracefulExitStepDone');
        await step('door_open');
        await step('knowledge_transfer');
        expect((await state(h)).gracefulExit!.steps.filter((st) => !st.done).map((st) => st.key)).toEqual([
          'offboarding_support',
        ]);
        await step('offboarding_support');
        expect(await h.result()).toMatchObject({ status: 'exited' });
        // It ended with its last step, not when the continued service did: no timer fired.
        expect(timersFired(await h.fetchHistory())).toBe(0);
      });
      const last = acts.writes.at(-1)!;
      expect(last.gracefulExit!.steps.map((st) => [st.key, st.done, st.doneBy])).toEqual([
        ['data_export', true, 'csm-1'],
        ['knowledge_transfer', true, 'csm-1'],
        ['offboarding_support', true, 'csm-1'],
        ['door_open', true, 'csm-1'],
      ]);
      expect(last.gracefulExit!.steps[0]!.doneAt).toBe(firstDoneAt);
    },
    timeout(120_000),
  );

  it(
    'guides concessions by risk, fills plan items from the §4.6 templates, refuses a discount once the customer committed to leave, and carries a performance guarantee into monitoring',
    async () => {
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-practice');
      let guaranteeBy = '';
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        const startedAt = (await suite.now()).getTime();
        await suite.env.sleep(1_000);
        let s = await state(h);
        // A high save probability is low risk: 5-10%, or payment terms and support for a while.
        expect(s.concessionGuidance).toMatchObject({
          risk: 'low',
          probabilityTier: 'high',
          discountPct: { min: 5, max: 10 },
          options: ['flexible payment terms', 'enhanced support for a limited time'],
          discountTooLate: false,
        });

        // Outside the band is allowed and kept with the reason; inside is kept as within.
        const ask = (discountPct: number) => ({
          type: 'discount' as const,
          discountPct,
          rationale,
          sunset: 'year 1 only',
          tiedTo: '2-year commitment',
          overrideReason: 'Budget cut announced at QBR',
          by: 'csm-1',
        });
        const big = await h.executeUpdate(requestConcessionUpdate, { args: [ask(20)] });
        expect(big).toMatchObject({
          requiredRole: 'director',
          state: 'pending',
          guidance: { risk: 'low', fit: 'above', note: '20% is above the 5-10% guidance for low risk' },
        });
        expect((await h.executeUpdate(requestConcessionUpdate, { args: [ask(8)] })).guidance?.fit).toBe('within');

        // §4.6 steps 5-7 as templates: filled from the policy, owned by the CSM unless a product person is named.
        const repair = await h.executeUpdate(addPlanItemUpdate, {
          args: [{ template: 'relationship_repair', by: 'csm-1' }],
        });
        expect(repair).toMatchObject({
          template: 'relationship_repair',
          issue: DEFAULT_POLICY.save.planTemplates.relationship_repair.issue,
          rootCause: 'value_perception',
          fix: DEFAULT_POLICY.save.planTemplates.relationship_repair.fix,
          ownerId: 'csm-1',
          successMetric: DEFAULT_POLICY.save.planTemplates.relationship_repair.successMetric,
          state: 'in_progress',
        });
        expect(Date.parse(repair.dueAt) - startedAt).toBeGreaterThanOrEqual(30 * DAY);
        expect(Date.parse(repair.dueAt) - startedAt).toBeLessThan(30 * DAY + HOUR);
        expect(
          await refusal(h.executeUpdate(addPlanItemUpdate, { args: [{ template: 'product_team', by: 'csm-1' }] })),
        ).toBe('SaveInvalidChange');
        const product = await h.executeUpdate(addPlanItemUpdate, {
          args: [{ template: 'product_team', ownerId: 'pm-1', fix: 'PM reviews the reporting use case', by: 'csm-1' }],
        });
        expect(product).toMatchObject({
          template: 'product_team',
          ownerId: 'pm-1',
          fix: 'PM reviews the reporting use case',
        });
        expect(
          await refusal(h.executeUpdate(addPlanItemUpdate, { args: [{ issue: 'Slow reports', by: 'csm-1' }] })),
        ).toBe('SaveInvalidChange');

        // The customer commits to a competitor: high risk, and a discount now comes too late.
        await h.signal(retriageSignal, { eventId: 'e-committed', by: 'csm-1', facts: { alternative: 'committed' } });
        await suite.env.sleep(1_000);
        s = await state(h);
        expect(s.concessionGuidance).toMatchObject({
          risk: 'high',
          discountPct: { min: 25, max: 30 },
          discountTooLate: true,
        });
        expect(await refusal(h.executeUpdate(requestConcessionUpdate, { args: [ask(25)] }))).toBe(
          'SaveDiscountTooLate',
        );
        const guarantee = await h.executeUpdate(requestConcessionUpdate, {
          args: [{ ...ask(0), type: 'contract_term', discountPct: undefined, terms: 'Exit if p95 stays above 2 s' }],
        });
        expect(guarantee).toMatchObject({ state: 'pending', guidance: null });

        guaranteeBy = addDays(localDateAt(await suite.now(), 'UTC'), 90);
        const outcome = {
          result: 'saved' as const,
          kind: 'performance_guarantee' as const,
          newArrCents: null,
          pauseDays: null,
          reason: null,
          competitor: null,
          by: 'csm-1',
        };
        expect(await refusal(h.executeUpdate(recordSaveOutcomeUpdate, { args: [outcome] }))).toBe('SaveInvalidChange');
        const recorded = await h.executeUpdate(recordSaveOutcomeUpdate, {
          args: [{ ...outcome, guaranteeMetric: 'p95 report load under 2 s', guaranteeBy }],
        });
        expect(recorded).toMatchObject({
          kind: 'performance_guarantee',
          guaranteeMetric: 'p95 report load under 2 s',
          guaranteeBy,
          partner: null,
        });
        await h.result();
      });
      const monitoring = acts.launches[0]!.input as PostSaveMonitoringInput;
      expect(monitoring.promises.filter((p) => p.source === 'save_outcome')).toEqual([
        {
          source: 'save_outcome',
          sourceId: 'performance_guarantee',
          description: `Performance guarantee: p95 report load under 2 s by ${guaranteeBy}, or the customer may exit`,
          ownerId: 'csm-1',
          dueAt: expect.stringMatching(/T00:00:00\.000Z$/),
        },
      ]);
      expect(monitoring.saved.outcomeKind).toBe('performance_guarantee');
    },
    timeout(120_000),
  );

  it(
    'keeps the old practice for a save whose policy predates the guidance: no guidance, no templates, no too-late refusal',
    async () => {
      const policy = structuredClone<RetainPolicy>(DEFAULT_POLICY);
      const carried = policy.save as Partial<RetainPolicy['save']>;
      delete carried.concessionGuidance;
      delete carried.concessionTiming;
      delete carried.planTemplates;
      const { worker, input, taskQueue, workflowId } = await start('acc-old-practice', {
        policy,
        facts: {
          issuesFixable: 'yes',
          relationship: 'good',
          alternative: 'committed',
          budget: 'confirmed',
          stakeholders: 'engaged',
        },
      });
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        await suite.env.sleep(1_000);
        expect((await state(h)).concessionGuidance).toBeNull();
        const c = await h.executeUpdate(requestConcessionUpdate, {
          args: [
            {
              type: 'discount',
              discountPct: 10,
              rationale,
              sunset: 'year 1 only',
              tiedTo: '2-year commitment',
              overrideReason: 'Last try',
              by: 'csm-1',
            },
          ],
        });
        expect(c).toMatchObject({ state: 'pending', guidance: null });
        expect(
          await refusal(
            h.executeUpdate(addPlanItemUpdate, { args: [{ template: 'relationship_repair', by: 'csm-1' }] }),
          ),
        ).toBe('SaveInvalidChange');
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );

  it(
    "logs effort on an active save: its log, a conversation's and a plan item's hours, the policy's cap (or the default for a policy without it), once per update id, never on a closed save",
    async () => {
      // A deployment that caps an entry at 8 hours.
      const policy = resolvePolicy({ metrics: { maxEffortHoursPerEntry: 8 } });
      const { acts, worker, input, taskQueue, workflowId } = await start('acc-effort', { policy });
      // A save started under a policy from before 2026-12-01.9: no metrics section, the default cap of 24.
      const { metrics: _metrics, ...oldPolicy } = structuredClone<RetainPolicy>(DEFAULT_POLICY);
      const oldInput = { ...input, policy: oldPolicy as RetainPolicy };
      const oldId = saveEffortWorkflowId('acc-effort-old', input.renewalDate);
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        // No sleeping here: after the terminated run of the test before, the test server may not skip time.
        const startedAt = (await state(h)).startedAt;
        const now = (await suite.now()).getTime();
        const log = (over: Partial<LogEffortUpdate> = {}, updateId?: string) =>
          h.executeUpdate(logEffortUpdate, {
            args: [{ hours: 2.5, activity: 'customer_call', note: ' Call with their CFO ', by: 'csm-1', ...over }],
            ...(updateId ? { updateId } : {}),
          });

        for (const bad of [
          { hours: 0 },
          { hours: 0.3 },
          { hours: 8.25 }, // over this policy's 8
          { activity: 'golf' as never },
          { at: new Date(now + HOUR).toISOString() },
          { at: new Date(Date.parse(startedAt) - 1).toISOString() },
          { at: 'yesterday' },
        ])
          expect([bad, await refusal(log(bad))]).toEqual([bad, 'SaveInvalidChange']);

        const first = await log({}, 'effort-key-1');
        expect(first).toEqual({
          id: 'effort-1',
          hours: 2.5,
          activity: 'customer_call',
          note: 'Call with their CFO',
          by: 'csm-1',
          at: expect.any(String),
        });
        // Logged now, by the test server's clock.
        expect(Date.parse(first.at)).toBeGreaterThanOrEqual(now);
        // A retry with the same update id answers the first entry and logs nothing more.
        expect(await log({}, 'effort-key-1')).toEqual(first);
        // Work done earlier: at the very start of the save is not too early.
        const second = await log({ hours: 8, activity: 'analysis', note: '  ', at: startedAt, by: 'mgr-1' });
        expect(second).toEqual({
          id: 'effort-2',
          hours: 8,
          activity: 'analysis',
          note: null,
          by: 'mgr-1',
          at: startedAt,
        });

        // A conversation's and a plan item's hours, checked the same way.
        const talk = { stage: 'listen' as const, result: 'Heard them out', by: 'csm-1' };
        expect(await refusal(h.executeUpdate(logConversationUpdate, { args: [{ ...talk, effortHours: 0.1 }] }))).toBe(
          'SaveInvalidChange',
        );
        expect(
          (await h.executeUpdate(logConversationUpdate, { args: [{ ...talk, effortHours: 1 }] })).effortHours,
        ).toBe(1);
        expect((await h.executeUpdate(logConversationUpdate, { args: [talk] })).effortHours).toBeUndefined();
        const item = {
          issue: 'Reports are slow',
          rootCause: 'value_perception',
          fix: 'Index the reporting tables',
          ownerId: 'csm-1',
          dueAt: new Date(now + 10 * DAY).toISOString(),
          successMetric: 'Reports under 2 s',
          by: 'csm-1',
        };
        expect(await refusal(h.executeUpdate(addPlanItemUpdate, { args: [{ ...item, effortHours: 9 }] }))).toBe(
          'SaveInvalidChange',
        );
        const added = await h.executeUpdate(addPlanItemUpdate, { args: [{ ...item, effortHours: 0.5 }] });
        expect(added.effortHours).toBe(0.5);
        const change = { itemId: added.id, state: 'blocked' as const, by: 'csm-1' };
        expect(await refusal(h.executeUpdate(setPlanItemStateUpdate, { args: [{ ...change, effortHours: -1 }] }))).toBe(
          'SaveInvalidChange',
        );
        // Additive: 0.5 when added, 0.75 more with the change.
        const blocked = await h.executeUpdate(setPlanItemStateUpdate, { args: [{ ...change, effortHours: 0.75 }] });
        expect([blocked.state, blocked.effortHours]).toEqual(['blocked', 1.25]);

        let s = await state(h);
        expect(s.effortLog!.map((e) => [e.id, e.hours])).toEqual([
          ['effort-1', 2.5],
          ['effort-2', 8],
        ]);
        // 2.5 + 8 logged, 1 on a conversation, 1.25 on the plan item: 12.75.
        expect(effortHoursOf(s)).toBe(12.75);
        expect(acts.writes.at(-1)!.effortLog).toHaveLength(2);

        // Closed (lost, its graceful exit under way): no more effort, like any other work on it.
        await h.executeUpdate(recordSaveOutcomeUpdate, {
          args: [
            {
              result: 'lost',
              kind: 'lost',
              newArrCents: null,
              pauseDays: null,
              reason: 'Budget gone',
              competitor: null,
              by: 'csm-1',
            },
          ],
        });
        expect(await refusal(log({ hours: 1 }))).toBe('SaveClosed');
        expect(await refusal(h.executeUpdate(logConversationUpdate, { args: [{ ...talk, effortHours: 1 }] }))).toBe(
          'SaveClosed',
        );
        s = await state(h);
        expect(effortHoursOf(s)).toBe(12.75);
        await h.terminate('test done');

        const old = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId: oldId,
          args: [oldInput],
        });
        const logOld = (hours: number) =>
          old.executeUpdate(logEffortUpdate, { args: [{ hours, activity: 'meeting', by: 'csm-1' }] });
        expect(await refusal(logOld(24.25))).toBe('SaveInvalidChange');
        expect((await logOld(24)).hours).toBe(24);
        expect((await suite.query(old, getSaveStateQuery)).effortLog!.map((e) => e.id)).toEqual(['effort-1']);
        await old.terminate('test done');
      });
    },
    timeout(120_000),
  );

  // Last in the file: placed first, the next test here hung waiting for the test server to
  // skip time (seen 2026-12-01; cause not found, noted on issue 16).
  it(
    'an emergency save (20 days out): low unless the issues are minor, fast fixes only, an executive at once (§4.5)',
    async () => {
      const { worker, input, taskQueue, workflowId } = await start('acc-emergency', {
        daysToRenewal: 20,
        arrCents: 6_000_000,
        facts: {
          ...{ relationship: 'good', alternative: 'none', budget: 'confirmed', stakeholders: 'engaged' },
          issuesFixable: 'complex',
        },
      });
      await worker.runUntil(async () => {
        const h = await suite.env.client.workflow.start<typeof saveEffortWorkflow>('saveEffortWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
        });
        let s = await state(h);
        expect(s.triage.allocation.timeBand).toBe('emergency');
        expect(s.triage.probability.tier).toBe('low');
        expect(s.triage.probability.reasons.at(-1)).toMatch(/emergency/);
        // $60K meets the executive escalation criteria: started at once, by the workflow, with its brief.
        expect(s.escalation).toMatchObject({ startedBy: 'workflow', overrideReason: null });
        expect(s.escalation!.brief.timing).toMatch(/emergency/);
        expect(s.escalation!.steps.map((st) => st.completedAt !== null)).toEqual([true, false, false, false]);
        const slow = await h.executeUpdate(addIssueUpdate, {
          args: [
            {
              description: 'Reporting module',
              source: 'qbr',
              frequency: 2,
              dealBreaker: false,
              fixable: true,
              quickFix: false,
              impact: 5,
              by: 'csm-1',
            },
          ],
        });
        const quick = await h.executeUpdate(addIssueUpdate, {
          args: [
            {
              description: 'SSO misconfigured',
              source: 'qbr',
              frequency: 1,
              dealBreaker: false,
              fixable: true,
              quickFix: true,
              impact: 3,
              by: 'csm-1',
            },
          ],
        });
        // Due dates from the test server's clock (it may be far ahead of this process's after the earlier tests).
        const serverNow = (await suite.now()).getTime();
        const item = (issueId: string, hours: number) => ({
          issueId,
          issue: 'x',
          rootCause: 'y',
          fix: 'z',
          ownerId: 'csm-1',
          dueAt: new Date(serverNow + hours * HOUR).toISOString(),
          successMetric: 'm',
          by: 'csm-1',
        });
        expect(await refusal(h.executeUpdate(addPlanItemUpdate, { args: [item(slow.id, 24)] }))).toBe(
          'SaveInvalidChange',
        );
        expect(await refusal(h.executeUpdate(addPlanItemUpdate, { args: [item(quick.id, 24 * 7)] }))).toBe(
          'SaveInvalidChange',
        );
        await h.executeUpdate(addPlanItemUpdate, { args: [item(quick.id, 48)] });
        s = await state(h);
        expect(s.planItems.filter((p) => p.issueId === slow.id)).toEqual([]);
        expect(s.planItems.filter((p) => p.issueId === quick.id).length).toBeGreaterThanOrEqual(1);
        await h.terminate('test done');
      });
    },
    timeout(60_000),
  );
});
