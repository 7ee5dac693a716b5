import type { RetainPolicy } from '../policy/retain-policy';
import type { IntegrationEvent } from '../early-warning/event-catalogue';

/**
 * The competitive, stakeholder and commercial signals a renewal hears of (docs/rulebook.md §3,
 * "Signals that expire"): each keeps the weight the signal catalogue gives it, decisive
 * (red on its own) or risk (one signal family at risk), and lives for the policy's
 * lifetime unless a person resolves it first with a reason. A renewal's category follows
 * its live signals, so it can go back once they are gone.
 */

export const RENEWAL_SIGNAL_KINDS = ['competitive', 'stakeholder_change', 'commercial'] as const;
export type RenewalSignalKind = (typeof RENEWAL_SIGNAL_KINDS)[number];

/** What the early warning reports to the renewal about one event. */
export interface RenewalSignalReport {
  kind: RenewalSignalKind;
  /** Red on its own (the catalogue's high and critical signals); otherwise one family at risk. */
  decisive: boolean;
  text: string;
  /**
   * A commercial signal's event (a lagging churn signal): what a renewal whose policy has
   * no signal lifetimes merges into its health, as it did before them (absent in signals
   * recorded before it was carried).
   */
  churnSignal?: 'payment_failure' | 'cancellation_inquiry';
}

export interface RenewalSignal extends RenewalSignalReport {
  /** The event it came from (unique on the renewal). */
  id: string;
  source: string;
  at: string;
  expiresAt: string;
  resolved: { at: string; by: string; reason: string } | null;
  /** Set once the renewal has classified again after it expired. */
  expiredNoted?: boolean;
}

/**
 * The signal an event is for the renewal, with its catalogue weight (§5.2): a competitor
 * mention or evaluation, a full data export, a sponsor departure, a stakeholder change
 * and the lagging payment failure and cancellation inquiry are decisive; a single
 * request for a competitor's feature, a partial export and a leadership change are
 * medium in the catalogue, a risk family, not red on their own, and so is a downsell (a
 * cut of seats: one commercial family at risk). Null for other events.
 */
export function renewalSignalFromEvent(event: IntegrationEvent): RenewalSignalReport | null {
  switch (event.type) {
    case 'competitor_mention':
      return {
        kind: 'competitive',
        decisive: true,
        text: `competitor ${event.payload.competitor} (${event.payload.context}): save mode must activate`,
      };
    case 'competitor_feature_request':
      return {
        kind: 'competitive',
        decisive: false,
        text: `a request for a competitor's feature: ${event.payload.feature}`,
      };
    case 'data_export':
      return event.payload.scope === 'full'
        ? { kind: 'competitive', decisive: true, text: 'a full data export: the customer may be leaving' }
        : { kind: 'competitive', decisive: false, text: 'a partial data export' };
    case 'sponsor_departure':
      return {
        kind: 'stakeholder_change',
        decisive: true,
        text: `the executive sponsor ${event.payload.reason === 'departed' ? 'departed' : 'lost the role'}${event.payload.contactName ? ` (${event.payload.contactName})` : ''}: the relationship resets to zero`,
      };
    case 'stakeholder_change':
      return {
        kind: 'stakeholder_change',
        decisive: true,
        text: `${event.payload.who}: ${event.payload.description}`,
      };
    case 'leadership_change':
      return { kind: 'stakeholder_change', decisive: false, text: `new leadership: ${event.payload.position}` };
    case 'payment_failure':
      return {
        kind: 'commercial',
        decisive: true,
        text: 'a payment failed: a lagging churn signal',
        churnSignal: 'payment_failure',
      };
    case 'cancellation_inquiry':
      return {
        kind: 'commercial',
        decisive: true,
        text: 'the customer asked how to cancel: a lagging churn signal',
        churnSignal: 'cancellation_inquiry',
      };
    case 'downsell_request': {
      const { fromSeats, toSeats } = event.payload;
      return {
        kind: 'commercial',
        decisive: false,
        text: `seats cut from ${fromSeats} to ${toSeats}: a downsell before the renewal`,
      };
    }
    default:
      return null;
  }
}

type SignalSettings = { decisiveLifetimeDays: number; riskLifetimeDays: number };

/** The policy's signal lifetimes, or null for a renewal started before they existed (it merges signals for good). */
export function renewalSignalSettings(policy: RetainPolicy): SignalSettings | null {
  return (policy.renewal as { signals?: SignalSettings }).signals ?? null;
}

/** The signal recorded from a report at `at`, living for its weight's lifetime. */
export function recordRenewalSignal(
  report: RenewalSignalReport,
  id: string,
  source: string,
  at: Date,
  settings: SignalSettings,
): RenewalSignal {
  const days = report.decisive ? settings.decisiveLifetimeDays : settings.riskLifetimeDays;
  return {
    ...report,
    id,
    source,
    at: at.toISOString(),
    expiresAt: new Date(at.getTime() + days * 86_400_000).toISOString(),
    resolved: null,
  };
}

/** Whether a signal still counts at `now`: not resolved, not expired. */
export function signalLive(s: RenewalSignal, now: Date): boolean {
  return s.resolved === null && Date.parse(s.expiresAt) > now.getTime();
}

/** When the next live signal expires (the renewal classifies again then), if any. */
export function nextSignalExpiry(signals: readonly RenewalSignal[] | undefined, now: Date): number | undefined {
  const times = (signals ?? []).filter((s) => signalLive(s, now)).map((s) => Date.parse(s.expiresAt));
  return times.length ? Math.min(...times) : undefined;
}

/** A person resolving a signal: it must exist and still count, with a reason; the problem, or null. */
export function resolveSignalProblem(
  signals: readonly RenewalSignal[] | undefined,
  signalId: string,
  reason: string | undefined,
  now: Date,
): { code: 'notFound' | 'invalid'; message: string } | null {
  const s = (signals ?? []).find((x) => x.id === signalId);
  if (!s) return { code: 'notFound', message: `no signal ${signalId} on this renewal` };
  if (s.resolved) return { code: 'invalid', message: `signal ${signalId} was resolved already` };
  if (!signalLive(s, now)) return { code: 'invalid', message: `signal ${signalId} has expired` };
  if (!reason?.trim()) return { code: 'invalid', message: 'resolving a signal needs a reason' };
  return null;
}
