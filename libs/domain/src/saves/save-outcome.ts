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
  'lost',
] as const;

export interface SaveOutcome {
  result: 'saved' | 'lost';
  /** saved: full, or partial; lost: reason and competitor. */
  kind: (typeof SAVE_OUTCOME_KINDS)[number];
  newArrCents: number | null;
  pauseDays: number | null;
  reason: string | null;
  competitor: string | null;
  decidedBy: string;
  decidedAt: string;
}

export type SaveOutcomeRequest = Omit<SaveOutcome, 'decidedAt' | 'decidedBy'>;

/**
 * An outcome holds together (§4.6 step 9): a saved one is full or partial, a lost one
 * has kind lost and its reason, reduced scope names the new, lower ARR, a pause its
 * length in days. The problem, or null.
 */
export function saveOutcomeProblem(u: SaveOutcomeRequest, currentArrCents: number): string | null {
  if (u.result === 'saved' && u.kind === 'lost') return 'a saved outcome is full or partial';
  if (u.result === 'lost' && u.kind !== 'lost') return 'a lost outcome has kind lost';
  if (u.result === 'lost' && !u.reason?.trim()) return 'a lost save needs its reason';
  if (u.kind === 'reduced_scope' && !(u.newArrCents !== null && u.newArrCents > 0 && u.newArrCents < currentArrCents))
    return 'reduced scope needs the new, lower ARR';
  if (u.kind === 'pause' && !(u.pauseDays !== null && Number.isInteger(u.pauseDays) && u.pauseDays > 0))
    return 'a pause needs its length in days';
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
