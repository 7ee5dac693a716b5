import type { RetainPolicy } from '../policy/retain-policy';
import type { SaveProbabilityFacts } from './save-triage';

/**
 * When a save is a lost cause, and how the account leaves gracefully (docs/rulebook.md,
 * "Lost causes and the graceful exit").
 */

export interface LostCauseInput {
  facts: SaveProbabilityFacts;
  rootCause: string;
  arrCents: number;
  hoursPlanned: number;
  /** The customer said the decision is final. */
  decisionFinal?: boolean;
  /** Save conversations the customer refused. */
  refusedConversations?: number;
}

/**
 * Lost-cause signs (docs/rulebook.md §4.9) and whether they suggest stopping. It only advises:
 * the team decides.
 */
export function lostCauseSigns(i: LostCauseInput, policy: RetainPolicy): { signs: string[]; suggestStop: boolean } {
  const signs: string[] = [];
  if (i.facts.alternative === 'committed') signs.push('signed with or committed to a competitor');
  if (i.decisionFinal) signs.push('the customer says the decision is final');
  if (i.rootCause === 'product_fit' && i.facts.issuesFixable === 'no') signs.push('fundamental product-fit mismatch');
  if ((i.refusedConversations ?? 0) > 0) signs.push('refuses save conversations');
  if (i.facts.relationship === 'broken') signs.push('relationship beyond repair');
  if (i.facts.budget === 'none') signs.push('no budget: the economics fail for both sides');
  if (i.hoursPlanned * policy.save.lostCause.hourCostCents > i.arrCents)
    signs.push('the save would cost more than the account is worth');
  return { signs, suggestStop: signs.length >= policy.save.lostCause.suggestStopFromSigns };
}

/** The graceful exit's steps (§4.9), in the order they are shown; people do them in any order. */
export const GRACEFUL_EXIT_STEPS = [
  { key: 'data_export', title: 'Offer and deliver a full data export' },
  { key: 'knowledge_transfer', title: 'Hand over knowledge: configurations, reports, how-tos' },
  { key: 'offboarding_support', title: 'Support the offboarding' },
  { key: 'door_open', title: 'Thank them and leave the door open' },
] as const;

export type GracefulExitStepKey = (typeof GRACEFUL_EXIT_STEPS)[number]['key'];
export const GRACEFUL_EXIT_STEP_KEYS = GRACEFUL_EXIT_STEPS.map((s) => s.key) as readonly GracefulExitStepKey[];

export interface GracefulExitStep {
  key: string;
  title: string;
  done: boolean;
  /** When, by whom and with what note it was marked done (null while open). */
  doneAt: string | null;
  doneBy: string | null;
  note: string | null;
}

export interface GracefulExit {
  startedAt: string;
  steps: GracefulExitStep[];
  /** Service continues this long after the exit starts. */
  continuedServiceUntil: string;
}

/** The graceful exit started at `now`: every step open, service continued for the policy's days. */
export function gracefulExitPlan(now: Date, policy: RetainPolicy): GracefulExit {
  return {
    startedAt: now.toISOString(),
    steps: GRACEFUL_EXIT_STEPS.map((st) => ({ ...st, done: false, doneAt: null, doneBy: null, note: null })),
    continuedServiceUntil: new Date(now.getTime() + policy.save.continuedServiceDays * 86_400_000).toISOString(),
  };
}

/**
 * Whether the graceful exit is still under way at `now`: a step is open and the
 * continued service has not ended. While it is, the save takes its steps (§4.9); after
 * it, the exit is over whatever is left open.
 */
export function gracefulExitUnderWay(exit: GracefulExit | null, now: number): boolean {
  return exit !== null && now < Date.parse(exit.continuedServiceUntil) && exit.steps.some((st) => !st.done);
}

/** Why a step of the graceful exit cannot be marked done: there is no exit, no such step, or it is done already; null when it can. */
export function gracefulExitStepProblem(
  exit: GracefulExit | null,
  key: string,
): 'no_graceful_exit' | 'unknown_step' | 'already_done' | null {
  if (!exit) return 'no_graceful_exit';
  const step = exit.steps.find((st) => st.key === key);
  if (!step) return 'unknown_step';
  return step.done ? 'already_done' : null;
}

/** The graceful exit with step `key` done at `now` by `by` (check gracefulExitStepProblem first). */
export function completeGracefulExitStep(
  exit: GracefulExit,
  key: string,
  by: string,
  note: string | null,
  now: Date,
): GracefulExit {
  return {
    ...exit,
    steps: exit.steps.map((st) =>
      st.key === key ? { ...st, done: true, doneAt: now.toISOString(), doneBy: by, note } : st,
    ),
  };
}
