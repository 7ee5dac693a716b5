import type { RetainPolicy } from '../policy/retain-policy';
import { addDays, zonedTimeToInstant } from '../time/local-time';
import type { PlanItemState } from './remediation-plan';
import type { SaveOutcome } from './save-outcome';

/**
 * What a saved account carries into post-save monitoring (docs/rulebook.md, "Hand-off
 * to monitoring"): every plan item and every approved concession becomes a promise to
 * keep, and so do a performance guarantee and a partner's introduction the outcome
 * made; a reduced scope, or what stays after a transition to a partner, is monitored at
 * its new ARR.
 */

export interface HandOffPromise {
  source: 'plan_item' | 'concession' | 'save_outcome';
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
  /** The saved outcome, for the promises it makes itself (a guarantee, a partner's introduction). */
  outcome?: Pick<SaveOutcome, 'kind' | 'partner' | 'partnerNeed' | 'guaranteeMetric' | 'guaranteeBy'>;
  /** The account's time zone: a guarantee is due at the end of its date there. */
  timeZone?: string;
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
    ...outcomePromises(save, concessionDueAt),
  ];
}

/**
 * The promises a saved outcome makes: a performance guarantee, due at the end of its
 * date in the account's time zone; the introduction to a partner, due with the
 * concessions.
 */
function outcomePromises(save: HandOffSave, introductionDueAt: string): HandOffPromise[] {
  const o = save.outcome;
  if (o?.kind === 'performance_guarantee' && o.guaranteeMetric && o.guaranteeBy)
    return [
      {
        source: 'save_outcome',
        sourceId: 'performance_guarantee',
        description: `Performance guarantee: ${o.guaranteeMetric} by ${o.guaranteeBy}, or the customer may exit`,
        ownerId: save.ownerCsmId,
        dueAt: zonedTimeToInstant(addDays(o.guaranteeBy, 1), 0, 0, save.timeZone ?? 'UTC').toISOString(),
      },
    ];
  if (o?.kind === 'partner_transition' && o.partner)
    return [
      {
        source: 'save_outcome',
        sourceId: 'partner_transition',
        description: `Introduce the customer to ${o.partner}${o.partnerNeed ? ` for ${o.partnerNeed}` : ''} and stay engaged`,
        ownerId: save.ownerCsmId,
        dueAt: introductionDueAt,
      },
    ];
  return [];
}

/**
 * The ARR monitoring starts from: the new one after a reduced scope or a transition to
 * a partner that names one, otherwise the account's.
 */
export function arrAfterSave(arrCents: number, outcome: Pick<SaveOutcome, 'kind' | 'newArrCents'>): number {
  return outcome.newArrCents && (outcome.kind === 'reduced_scope' || outcome.kind === 'partner_transition')
    ? outcome.newArrCents
    : arrCents;
}
