/**
 * Forwarding (issue: early warning feeds renewals and saves): what an integration event
 * or a triggered alert means for the account's renewal classification (docs/rulebook.md §3)
 * and, as an identified issue, for an active save (§4.6). Pure.
 */
import type { RetainPolicy } from '../policy/retain-policy';
import type { RenewalSignalReport } from '../renewals/renewal-signals';
import type { RenewalHealthInputs } from '../renewals/risk-classification';
import type { TriggeredAlert } from './alert-rules';
import type { IntegrationEvent } from './event-catalogue';

export interface RenewalForward {
  /** Health inputs for the renewal's classification. */
  inputs?: RenewalHealthInputs;
  /** A stakeholder change resets the relationship (§3 family 6). */
  stakeholder?: { who: 'champion' | 'executive_sponsor' | 'decision_maker'; description: string };
  /** A competitive, stakeholder or commercial signal with its weight and lifetime (renewals/renewal-signals.ts). */
  signal?: RenewalSignalReport;
}

/** The renewal-relevant meaning of an event, or null when it has none on its own. */
export function renewalForwardFromEvent(event: IntegrationEvent, policy?: RetainPolicy): RenewalForward | null {
  switch (event.type) {
    // Growth (§1 expansion): seats close to the licence are whitespace; interest in more is a stated growth need,
    // and from the budget holder it is also the relationship with him.
    case 'seat_change': {
      // The threshold is the policy's; a policy without it (an older account workflow's) reads no growth.
      const fromPct = (policy?.renewal.classification as { seatUtilisationGrowthPct?: number } | undefined)
        ?.seatUtilisationGrowthPct;
      return fromPct !== undefined && event.payload.seats * 100 >= fromPct * event.payload.licensedSeats
        ? { inputs: { growth: { whitespace: true } } }
        : null;
    }
    case 'expansion_interest':
      return {
        inputs: {
          growth: {
            statedGrowthNeeds: true,
            ...(event.payload.from === 'budget_holder' ? { budgetHolderRelationship: true } : {}),
          },
        },
      };
    case 'health_score':
      return { inputs: { healthScore: event.payload.score } };
    case 'competitor_mention':
    case 'competitor_feature_request':
    case 'data_export':
      return { inputs: { competitiveSignal: true } };
    case 'budget_freeze':
      return { inputs: { budgetSignal: true } };
    // Lagging P0 signals (§5.1): the renewal turns red (and so starts its save) at any distance.
    case 'payment_failure':
    case 'cancellation_inquiry':
      return { inputs: { churnSignal: event.type } };
    case 'layoffs':
    case 'm_and_a':
    case 'strategic_pivot':
      return { inputs: { businessChange: true } };
    case 'sponsor_departure':
      return {
        stakeholder: {
          who: 'executive_sponsor',
          description: `Executive sponsor ${event.payload.reason === 'departed' ? 'departed' : 'role removed'}${event.payload.contactName ? `: ${event.payload.contactName}` : ''}`,
        },
      };
    case 'leadership_change':
      return { stakeholder: { who: 'decision_maker', description: `New leadership: ${event.payload.position}` } };
    case 'stakeholder_change':
      return {
        stakeholder: { who: 'decision_maker', description: `${event.payload.who}: ${event.payload.description}` },
      };
    case 'nps':
      return event.payload.score <= 6 ? { inputs: { supportSentiment: 'negative' } } : null;
    case 'csat':
      return event.payload.score <= 2 ? { inputs: { supportSentiment: 'negative' } } : null;
    case 'survey_comment':
      return event.payload.sentiment === 'negative' ? { inputs: { supportSentiment: 'negative' } } : null;
    default:
      return null;
  }
}

/** A usage alert carries the drop the renewal's classification reads (-30 for down 30%). */
export function renewalForwardFromAlert(alert: TriggeredAlert): RenewalForward | null {
  if (alert.group === 'usage' && alert.measure.unit === 'percent')
    return { inputs: { usageChangePct: -alert.measure.value } };
  return null;
}

/** An alert on an account under a save becomes an identified issue of the save (§4.6 step 1). */
export function saveIssueFromAlert(
  alert: TriggeredAlert,
  severity: 'P0' | 'P1' | 'P2' | 'P3',
): { description: string; source: string; dealBreaker: boolean; impact: number } {
  const impact = severity === 'P0' ? 5 : severity === 'P1' ? 4 : severity === 'P2' ? 3 : 2;
  return {
    description: `Early warning (${alert.ruleId.replace(/_/g, ' ')}): ${alert.summary}`,
    source: 'early_warning',
    dealBreaker: severity === 'P0',
    impact,
  };
}
