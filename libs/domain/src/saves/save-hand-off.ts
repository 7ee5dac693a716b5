import type { RetainPolicy } from '../policy/retain-policy';
import type { PlanItemState } from './remediation-plan';
import type { SaveOutcome } from './save-outcome';

/**
 * What a saved account carries into post-save monitoring (docs/rulebook.md, "Hand-off
 * to monitoring"): every plan item and every approved concession becomes a promise to
 * keep, and a reduced scope is monitored at its new ARR.
 */

export interface HandOffPromise {
  source: 'plan_item' | 'concession';
  sourceId: string;
  description: string;
  ownerId: string;
  dueAt: string;
  /** A plan item's delivery so far; a concession's promise starts open. */
  state?: 'open' | 'delivered' | 'verified';
}

export interface HandOffSave {
  planItems: ReadonlyArray<{
    id: string;
    fix: string;
    successMetric: string;
    ownerId: string;
    dueAt: string;
    state: PlanItemState;
  }>;
  concessions: ReadonlyArray<{
    id: string;
    type: string;
    discountPct: number | null;
    tiedTo: string;
    sunset: string;
    state: string;
  }>;
  ownerCsmId: string;
}

const DELIVERY: Record<PlanItemState, 'open' | 'delivered' | 'verified'> = {
  in_progress: 'open',
  blocked: 'open',
  done: 'delivered',
  verified_by_customer: 'verified',
};

/** The promises of a save decided at `savedAt`: its plan items as they stand, then its approved concessions, due a policy's days later. */
export function handOffPromises(save: HandOffSave, savedAt: string, policy: RetainPolicy): HandOffPromise[] {
  const concessionDueAt = new Date(
    Date.parse(savedAt) + policy.postSave.concessionPromiseDueDays * 86_400_000,
  ).toISOString();
  return [
    ...save.planItems.map((i): HandOffPromise => ({
      source: 'plan_item',
      sourceId: i.id,
      description: `${i.fix} (success: ${i.successMetric})`,
      ownerId: i.ownerId,
      dueAt: i.dueAt,
      state: DELIVERY[i.state],
    })),
    ...save.concessions
      .filter((c) => c.state === 'approved')
      .map((c): HandOffPromise => ({
        source: 'concession',
        sourceId: c.id,
        description: `Put the ${c.type.replace(/_/g, ' ')} concession${c.discountPct ? ` (${c.discountPct}%)` : ''} into the contract, tied to ${c.tiedTo}, sunset ${c.sunset}`,
        ownerId: save.ownerCsmId,
        dueAt: concessionDueAt,
      })),
  ];
}

/** The ARR monitoring starts from: the new one after a reduced scope, otherwise the account's. */
export function arrAfterSave(arrCents: number, outcome: Pick<SaveOutcome, 'kind' | 'newArrCents'>): number {
  return outcome.newArrCents && outcome.kind === 'reduced_scope' ? outcome.newArrCents : arrCents;
}
