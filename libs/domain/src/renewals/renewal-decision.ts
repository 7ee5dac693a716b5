import type { RetainPolicy } from '../policy/retain-policy';
import { addMonths, isIsoDate } from '../time/local-time';
import { daysUntilRenewal } from './renewal-timeline';

/**
 * The customer's decision on a renewal and what may still change about it
 * (docs/rulebook.md, "Renewal decisions"): the ARR each outcome carries, when the date
 * may move, and which outcomes start the next term.
 */

export const RENEWAL_DECISION_OUTCOMES = ['renewed', 'expanded', 'downsized', 'paused', 'churned'] as const;
export type RenewalDecisionOutcome = (typeof RENEWAL_DECISION_OUTCOMES)[number];

/**
 * The ARR a decision leaves the account at, or the reason it does not hold together:
 * expanded is above the current ARR and downsized between nothing and it; a churn has
 * the reason in the customer's words and no ARR; a renewal keeps the ARR; a pause keeps
 * it unless a new one is given.
 */
export function decidedArrCents(
  d: { outcome: RenewalDecisionOutcome; newArrCents?: number; reason?: string },
  currentArrCents: number,
): { arrCents: number } | { problem: string } {
  const next = d.newArrCents;
  switch (d.outcome) {
    case 'expanded':
      return next === undefined || next <= currentArrCents
        ? { problem: `expanded needs newArrCents above the current ${currentArrCents}` }
        : { arrCents: next };
    case 'downsized':
      return next === undefined || next <= 0 || next >= currentArrCents
        ? { problem: `downsized needs newArrCents between 0 and the current ${currentArrCents}` }
        : { arrCents: next };
    case 'churned':
      return d.reason?.trim() ? { arrCents: 0 } : { problem: "churned needs the reason in the customer's words" };
    case 'renewed':
      return next !== undefined && next !== currentArrCents
        ? { problem: 'a changed ARR is expanded or downsized, not renewed' }
        : { arrCents: currentArrCents };
    case 'paused':
      return { arrCents: next ?? currentArrCents };
  }
}

/** A new renewal date is a date, not in the past, and only before the customer decided; the problem, or null. */
export function renewalDateChangeProblem(
  renewalDate: string,
  timeZone: string,
  decided: boolean,
  now: Date,
): string | null {
  if (!isIsoDate(renewalDate)) return 'renewalDate must be YYYY-MM-DD';
  if (daysUntilRenewal(renewalDate, timeZone, now) < 0) return 'renewalDate is in the past';
  if (decided) return 'the customer already decided; the date can no longer change';
  return null;
}

/** The date of the next term a closed renewal launches, or null when its outcome launches none (churned, paused) or the policy says not to. */
export function nextTermDate(
  outcome: RenewalDecisionOutcome,
  renewalDate: string,
  policy: RetainPolicy,
): string | null {
  if (outcome === 'churned' || outcome === 'paused' || !policy.renewal.autoLaunchNextTerm) return null;
  return addMonths(renewalDate, policy.renewal.termMonths);
}
