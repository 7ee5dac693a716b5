import { isIsoDate } from '../time/local-time';

/**
 * How a save ends (docs/rulebook.md, "Save outcomes"): an outcome that holds together,
 * the outcome a renewal decision implies, and where the account goes next.
 */

export const SAVE_OUTCOME_KINDS = [
  'full',
  'reduced_scope',
  'pause',
  'shorter_term',
  'pilot',
  'out_clause',
  'partner_transition',
  'performance_guarantee',
  'lost',
] as const;
export type SaveOutcomeKind = (typeof SAVE_OUTCOME_KINDS)[number];

export interface SaveOutcome {
  result: 'saved' | 'lost';
  /** saved: full, or partial; lost: reason and competitor. */
  kind: SaveOutcomeKind;
  /** reduced_scope: the new ARR; partner_transition: what stays with us, when less. */
  newArrCents: number | null;
  pauseDays: number | null;
  reason: string | null;
  competitor: string | null;
  /** partner_transition: the partner who takes the need over (absent in outcomes recorded before it existed). */
  partner?: string | null;
  /** partner_transition: the need the partner meets and we could not. */
  partnerNeed?: string | null;
  /** performance_guarantee: the metric promised; the customer may exit if it is not met. */
  guaranteeMetric?: string | null;
  /** performance_guarantee: the date (the account's calendar) by which it is met. */
  guaranteeBy?: string | null;
  decidedBy: string;
  decidedAt: string;
}

export type SaveOutcomeRequest = Omit<SaveOutcome, 'decidedAt' | 'decidedBy'>;

const blank = (v: string | null | undefined) => !v?.trim();

/**
 * An outcome holds together (§4.6, "Save outcomes"): a saved one is full or partial, a
 * lost one has kind lost and its reason, reduced scope names the new, lower ARR, a pause
 * its length in days, a transition to a partner the partner and the need it takes over
 * (and, if any, the lower ARR that stays), a performance guarantee its metric and a date
 * after `today` (the account's calendar date) by which it is met. The problem, or null.
 */
export function saveOutcomeProblem(u: SaveOutcomeRequest, currentArrCents: number, today: string): string | null {
  if (u.result === 'saved' && u.kind === 'lost') return 'a saved outcome is full or partial';
  if (u.result === 'lost' && u.kind !== 'lost') return 'a lost outcome has kind lost';
  if (u.result === 'lost' && !u.reason?.trim()) return 'a lost save needs its reason';
  if (u.kind === 'reduced_scope' && !(u.newArrCents !== null && u.newArrCents > 0 && u.newArrCents < currentArrCents))
    return 'reduced scope needs the new, lower ARR';
  if (u.kind === 'pause' && !(u.pauseDays !== null && Number.isInteger(u.pauseDays) && u.pauseDays > 0))
    return 'a pause needs its length in days';
  if (u.kind === 'partner_transition') {
    if (blank(u.partner) || blank(u.partnerNeed))
      return 'a transition to a partner names the partner and the need it meets';
    if (u.newArrCents !== null && !(u.newArrCents > 0 && u.newArrCents <= currentArrCents))
      return 'the ARR that stays after a transition to a partner is above 0 and no more than the current ARR';
  }
  if (u.kind === 'performance_guarantee') {
    if (blank(u.guaranteeMetric)) return 'a performance guarantee names the metric it promises';
    if (!u.guaranteeBy || !isIsoDate(u.guaranteeBy) || u.guaranteeBy <= today)
      return 'a performance guarantee names the date it is met by, after today';
  }
  return null;
}

/** The outcome a renewal's decision implies for a save still open: a churn loses it, anything else saves it. */
export function outcomeOfRenewalDecision(d: {
  outcome: string;
  newArrCents: number;
  reason: string | null;
}): SaveOutcomeRequest {
  const lost = d.outcome === 'churned';
  const kind: SaveOutcome['kind'] = lost
    ? 'lost'
    : d.outcome === 'downsized'
      ? 'reduced_scope'
      : d.outcome === 'paused'
        ? 'pause'
        : 'full';
  return {
    result: lost ? 'lost' : 'saved',
    kind,
    newArrCents: d.newArrCents,
    pauseDays: null,
    reason: d.reason,
    competitor: null,
  };
}

export type SaveHandOff = 'post_save_monitoring' | 'win_back';

/** Where the account goes after the save: a saved one to post-save monitoring; a lost or exited one to win-back. */
export function handOffAfter(status: 'saved' | 'lost' | 'exited'): SaveHandOff {
  return status === 'saved' ? 'post_save_monitoring' : 'win_back';
}
