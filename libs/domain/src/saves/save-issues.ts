import type { RetainPolicy } from '../policy/retain-policy';

/**
 * A save's identified issues and their fast fixes (docs/rulebook.md, "Issues and fast
 * fixes"): how issues are ranked and which become fast-fix items of the plan.
 */

export interface SaveIssue {
  id: string;
  description: string;
  frequency: number;
  dealBreaker: boolean;
  fixable: boolean;
  quickFix: boolean;
  /** 1 (minor) to 5 (severe). */
  impact: number;
}

/**
 * Prioritisation (§4.6 step 2): fixable deal-breakers first, then other deal-breakers,
 * then the rest; within each, quick fixes first, then impact, then frequency; ties keep
 * the order the issues were written down in.
 */
export function prioritiseIssues<T extends SaveIssue>(issues: readonly T[]): T[] {
  const group = (i: SaveIssue) => (i.dealBreaker && i.fixable ? 0 : i.dealBreaker ? 1 : 2);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        group(a.issue) - group(b.issue) ||
        Number(b.issue.quickFix) - Number(a.issue.quickFix) ||
        b.issue.impact - a.issue.impact ||
        b.issue.frequency - a.issue.frequency ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

/** The fast-fix items (§4.6 step 4): the top fixable deal-breakers, due within 72 hours by default. */
export function fastFixItems<T extends SaveIssue>(
  issues: readonly T[],
  now: Date,
  policy: RetainPolicy,
): Array<{ issue: T; dueAt: string }> {
  const f = policy.save.fastFix;
  return prioritiseIssues(issues)
    .filter((i) => i.dealBreaker && i.fixable)
    .slice(0, f.count)
    .map((issue) => ({ issue, dueAt: new Date(now.getTime() + f.dueWithinHours * 3_600_000).toISOString() }));
}

/** The issues among `issues` that are fast fixes (§4.6 step 4) but have no plan item yet. */
export function unplannedFastFixes<T extends SaveIssue>(
  issues: readonly T[],
  plannedIssueIds: ReadonlyArray<string | null>,
  now: Date,
  policy: RetainPolicy,
): Array<{ issue: T; dueAt: string }> {
  return fastFixItems(issues, now, policy).filter((f) => !plannedIssueIds.includes(f.issue.id));
}

/** An issue's impact is 1 to 5 and its frequency a whole number of at least 1; the problem, or null. */
export function issueProblem(i: { impact: number; frequency: number }): string | null {
  if (!Number.isInteger(i.impact) || i.impact < 1 || i.impact > 5) return 'impact is 1 to 5';
  if (!Number.isInteger(i.frequency) || i.frequency < 1) return 'frequency is a whole number >= 1';
  return null;
}
