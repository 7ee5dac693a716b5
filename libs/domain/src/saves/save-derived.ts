import type { RetainPolicy } from '../policy/retain-policy';
import { concessionGuidance, type ConcessionGuidance } from './concession-guidance';
import { lostCauseSigns } from './lost-cause';
import { planCompletion, type PlanCompletion, type PlanItemState } from './remediation-plan';
import type { EffortAllocation, SaveProbabilityFacts } from './save-triage';

/** What a save's derived parts are computed from: its plan, triage, facts and conversations. */
export interface SaveDerivedInputs {
  planItems: ReadonlyArray<{ state: PlanItemState; dueAt: string }>;
  triage: { rootCause: string; allocation: Pick<EffortAllocation, 'probabilityTier' | 'hoursPlanned'> };
  facts: SaveProbabilityFacts;
  decisionFinal: boolean;
  account: { arrCents: number };
  conversations: ReadonlyArray<{ refused: boolean }>;
}

/** A save's parts derived from the rest. */
export interface SaveDerivedParts {
  planCompletion: PlanCompletion;
  concessionGuidance: ConcessionGuidance | null;
  lostCause: { signs: string[]; suggestStop: boolean };
}

/**
 * The save's plan completion, concession guidance (§4.7) and lost-cause signs (§4.9) as of
 * `now`: one computation for the workflow (before each write and in its live query) and
 * for anything that builds a save's state the same way (the demo book).
 */
export function saveDerivedParts(save: SaveDerivedInputs, policy: RetainPolicy, now: Date): SaveDerivedParts {
  return {
    planCompletion: planCompletion(save.planItems, now),
    concessionGuidance: concessionGuidance(
      {
        probabilityTier: save.triage.allocation.probabilityTier,
        facts: save.facts,
        decisionFinal: save.decisionFinal,
      },
      policy,
    ),
    lostCause: lostCauseSigns(
      {
        facts: save.facts,
        rootCause: save.triage.rootCause,
        arrCents: save.account.arrCents,
        hoursPlanned: save.triage.allocation.hoursPlanned,
        decisionFinal: save.decisionFinal,
        refusedConversations: save.conversations.filter((c) => c.refused).length,
      },
      policy,
    ),
  };
}
