/**
 * The words the early-warning policy sections share (docs/rulebook.md §5), each union
 * type derived from the list its checks use.
 */

/** Early-warning severities (docs/rulebook.md §5.1): P0 critical, P1 high, P2 medium, P3 low. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type AlertSeverity = (typeof SEVERITIES)[number];

/** Alert groups; alerts of one group for one account inside the consolidation window become one notification (§5.5). */
export const ALERT_GROUPS = [
  'usage',
  'engagement',
  'sentiment',
  'support',
  'business',
  'competition',
  'commercial',
  'health',
] as const;
export type AlertGroup = (typeof ALERT_GROUPS)[number];
