import type { RetainPolicy, Tier } from '../policy/retain-policy';
import type { RenewalTimeBand } from '../renewals/renewal-timeline';
import { executiveEscalationAllowed } from './executive-escalation';
import type { SaveIssue } from './save-issues';
import type { ProbabilityAssessment, SaveProbabilityFacts, StrategicFlags } from './save-triage';

/**
 * What the time left before the renewal does to a save (docs/rulebook.md §4.5): under 30
 * days (emergency) the probability is low unless the issues are minor, the plan holds
 * fast fixes only and executive escalation starts at once where its criteria hold;
 * 30 to 89 days (compressed) the plan keeps to critical issues. Each rule is a setting
 * of `save.timeRemaining`; a policy without that section (a save started before policy
 * 2026-12-01.8) applies none of them.
 */

type TimeRemainingPolicy = RetainPolicy['save']['timeRemaining'];

function settings(policy: RetainPolicy): TimeRemainingPolicy | null {
  return (policy.save as { timeRemaining?: TimeRemainingPolicy }).timeRemaining ?? null;
}

/** The probability once the time band is weighed: an emergency save is low unless its issues are minor (fixable). */
export function probabilityWithTimeLeft(
  assessed: ProbabilityAssessment,
  facts: SaveProbabilityFacts,
  band: RenewalTimeBand,
  policy: RetainPolicy,
): ProbabilityAssessment {
  if (!settings(policy)?.emergencyLowUnlessMinor || band !== 'emergency') return assessed;
  if (facts.issuesFixable === 'yes' || assessed.tier === 'low') return assessed;
  const tier: Tier = 'low';
  return {
    tier,
    points: assessed.points,
    reasons: [...assessed.reasons, 'under 30 days to the renewal (emergency): low unless the issues are minor'],
  };
}

/** Whether an issue is critical (§4.5 compressed: a deal-breaker, or an impact of at least the policy's). */
export function criticalIssue(issue: Pick<SaveIssue, 'dealBreaker' | 'impact'>, policy: RetainPolicy): boolean {
  const s = settings(policy);
  return issue.dealBreaker || issue.impact >= (s?.criticalFromImpact ?? 1);
}

/**
 * Whether a new plan item fits the time left; the problem, or null. Emergency: a fast
 * fix only, due within the fast-fix window and, where it names an issue, for one that is
 * a quick fix or a fixable deal-breaker. Compressed: where it names an issue, a critical
 * one. An item naming no issue (a relationship step, a value review) is judged by its
 * due date alone. Comprehensive: anything.
 */
export function planItemTimeBandProblem(
  band: RenewalTimeBand,
  issue: Pick<SaveIssue, 'dealBreaker' | 'impact' | 'fixable' | 'quickFix'> | null,
  dueAt: string,
  now: Date,
  policy: RetainPolicy,
): string | null {
  const s = settings(policy);
  if (!s) return null;
  if (band === 'emergency' && s.emergencyFastFixesOnly) {
    const hours = policy.save.fastFix.dueWithinHours;
    if (issue !== null && !(issue.quickFix || (issue.dealBreaker && issue.fixable)))
      return 'under 30 days to the renewal (emergency) the plan holds fast fixes only: this issue is neither a quick fix nor a fixable deal-breaker';
    if (Date.parse(dueAt) > now.getTime() + hours * 3_600_000)
      return `under 30 days to the renewal (emergency) a fast fix is due within ${hours} hours`;
  }
  if (band === 'compressed' && s.compressedCriticalIssuesOnly && issue !== null && !criticalIssue(issue, policy))
    return `30 to 89 days to the renewal (compressed) the plan keeps to critical issues: this issue is neither a deal-breaker nor of impact ${s.criticalFromImpact} or more`;
  return null;
}

/** Whether an emergency save escalates to an executive at once (§4.5, §4.8: where the escalation criteria hold). */
export function escalatesAtOnce(
  band: RenewalTimeBand,
  arrCents: number,
  flags: StrategicFlags,
  policy: RetainPolicy,
): boolean {
  return (
    band === 'emergency' &&
    settings(policy)?.emergencyEscalateAtOnce === true &&
    executiveEscalationAllowed(arrCents, flags, policy)
  );
}
