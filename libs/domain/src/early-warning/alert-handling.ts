import type { AlertDeliveryTiming, AlertGroup, AlertSeverity, RetainPolicy } from '../policy/retain-policy';
import { ALERT_ESCALATION_ROLES, type AlertEscalationRole } from '../policy/sections/alert-routing.policy';
import { manualSuppressionAt, mostUrgentTiming, type ManualSuppression, type NotificationTiming } from './overload';
import { severityRank } from './severity-routing';

/**
 * What the account's early warning does with a triggered alert beyond its severity and
 * routing (docs/rulebook.md, "Early warning"): who the routed roles are, which
 * suppression windows still count, when a consolidation window opens, what the shared
 * notification says, whom an SLA escalation tells, and when an alert asks the renewal
 * for a save.
 */

const HOUR = 3_600_000;

/** Rules that depend on time passing (silence, sustained drops) are evaluated at least this often. */
export const ALERT_EVALUATION_INTERVAL_MS = 24 * HOUR;

export interface AccountPeople {
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
}

/** The person behind a routed role on this account; other roles (director, VP, CS ops) are reached by their queue. */
export function alertRecipientPerson(role: string, people: AccountPeople): string | null {
  return role === 'csm'
    ? people.ownerCsmId
    : role === 'csm_manager'
      ? people.csmManagerId
      : role === 'sales_rep'
        ? people.salesRepId
        : null;
}

/** The suppression windows still worth keeping at `at`: those covering it, and those that ended less than a day ago or are still ahead. */
export function liveSuppressions<S extends ManualSuppression>(
  suppressions: readonly S[],
  group: AlertGroup,
  timeZone: string,
  at: Date,
): S[] {
  return suppressions.filter(
    (x) =>
      manualSuppressionAt(at, group, timeZone, [x]) !== null ||
      Date.parse(x.to.length === 10 ? `${x.to}T23:59:59Z` : x.to) > at.getTime() - 86_400_000,
  );
}

export interface NoticeMember {
  id: string;
  severity: AlertSeverity;
  group: AlertGroup;
  summary: string;
  triggeredAt: string;
  deliverAt: string;
  recipients: ReadonlyArray<{ personId: string | null; timing: AlertDeliveryTiming }>;
}

export interface ConsolidatedNotice {
  severity: AlertSeverity;
  recipientIds: string[];
  subject: string;
  lines: string[];
  alertIds: string[];
  /** The earliest any member may go out. */
  deliverAfter: string;
  /** The team webhook's timing: as soon as anyone's. */
  timing: NotificationTiming;
  /** Each person hears as soon as the most urgent of their alerts in it allows. */
  recipientTimings: Record<string, NotificationTiming>;
  raisedAt: string;
}

/** The one notification of a consolidation window's alerts, led by the most severe (the first of them on a tie). */
export function consolidatedNotice(members: readonly NoticeMember[], accountLabel: string): ConsolidatedNotice {
  const lead = members.reduce((a, b) => (severityRank(b.severity) < severityRank(a.severity) ? b : a));
  const byPerson: Record<string, AlertDeliveryTiming[]> = {};
  for (const r of members.flatMap((a) => a.recipients)) if (r.personId) (byPerson[r.personId] ??= []).push(r.timing);
  return {
    severity: lead.severity,
    recipientIds: [
      ...new Set(members.flatMap((a) => a.recipients.map((r) => r.personId)).filter((p): p is string => p !== null)),
    ],
    subject:
      members.length > 1
        ? `${lead.severity} ${accountLabel}: ${members.length} ${lead.group} alerts`
        : `${lead.severity} ${accountLabel}: ${lead.summary}`,
    lines: members.map((a) => `${a.severity} ${a.summary}`),
    alertIds: members.map((a) => a.id),
    deliverAfter: new Date(members.map((a) => Date.parse(a.deliverAt)).reduce((a, b) => Math.min(a, b))).toISOString(),
    timing: mostUrgentTiming(members.flatMap((a) => a.recipients.map((r) => r.timing))),
    recipientTimings: Object.fromEntries(
      Object.entries(byPerson).map(([person, timings]) => [person, mostUrgentTiming(timings)]),
    ),
    raisedAt: members.map((a) => a.triggeredAt).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a)),
  };
}

/**
 * Who of a consolidated notice's people gets it by SMS too (§5.4): each person one of
 * whose alerts routed him the `sms` channel (`alertRecipients` adds it for the P0s of
 * `earlyWarning.smsForRules` to everyone notified at once), once, in the order met.
 */
export function smsRecipientIds(
  members: ReadonlyArray<{ recipients: ReadonlyArray<{ personId: string | null; channels?: readonly string[] }> }>,
): string[] {
  const ids = members
    .flatMap((a) => a.recipients)
    .filter((r) => r.personId !== null && (r.channels ?? []).includes('sms'))
    .map((r) => r.personId!);
  return [...new Set(ids)];
}

/** One person above the CSM in the management chain (principals' manager links), nearest first. */
export interface ChainMember {
  id: string;
  role: string;
}

/**
 * Who an SLA escalation step reaches (§5.1, policy `earlyWarning.sla.escalationChain`):
 * the nearest person above the owner CSM who holds the step's role. Where nobody in the
 * chain holds it, a CSM manager step falls back to the account's CSM manager, and any
 * step goes to the nearest person above who ranks higher (a team without a director
 * escalates to the vp), so an escalation never lands on someone below its level. Null
 * when nobody up the chain is senior enough: the step is recorded on the alert, and no
 * one is mailed in the CSM's place.
 */
export function escalationRecipient(
  role: AlertEscalationRole,
  chain: readonly ChainMember[],
  accountCsmManagerId: string | null,
): string | null {
  const rank = (r: string) => (ALERT_ESCALATION_ROLES as readonly string[]).indexOf(r);
  const holder = chain.find((m) => m.role === role);
  if (holder) return holder.id;
  if (role === 'csm_manager' && accountCsmManagerId) return accountCsmManagerId;
  return chain.find((m) => rank(m.role) > rank(role))?.id ?? null;
}

/** A P0 or P1 on an account whose open renewal is near and has no save asks the renewal for one (§5.6). */
export function asksRenewalForSave(
  severity: AlertSeverity,
  daysToRenewal: number | null,
  renewal: { openRenewalId: string | null; renewalHasSave: boolean },
  policy: RetainPolicy,
): boolean {
  return (
    severityRank(severity) <= severityRank('P1') &&
    renewal.openRenewalId !== null &&
    !renewal.renewalHasSave &&
    daysToRenewal !== null &&
    daysToRenewal <= policy.earlyWarning.saveRequestWithinDays
  );
}

/** The next time an open alert's SLA escalation falls due (Infinity when none does). */
export function nextAlertEscalationAt(
  alerts: ReadonlyArray<{ state: string; escalations: ReadonlyArray<{ at: string; escalatedAt: string | null }> }>,
): number {
  return alerts
    .filter((a) => a.state === 'open')
    .flatMap((a) => a.escalations.filter((e) => !e.escalatedAt).map((e) => Date.parse(e.at)))
    .reduce((a, b) => Math.min(a, b), Infinity);
}

/** When the rules are next evaluated for time passing (Infinity before the first evaluation). */
export function nextEvaluationAt(lastEvaluatedAt: string | null): number {
  return lastEvaluatedAt ? Date.parse(lastEvaluatedAt) + ALERT_EVALUATION_INTERVAL_MS : Infinity;
}

/** What a payment recovery needs of an alert to know whether it recovers it. */
export interface RecoverableAlert {
  id: string;
  ruleId: string;
  state: 'open' | 'acknowledged' | 'resolved';
  triggeredAt: string;
  details: Record<string, number | string | boolean | null>;
}

/**
 * The payment failure alerts a payment recovery at `recoveredAt` closes (docs/rulebook.md
 * §5.2, "Payment recovery"): those not resolved yet whose latest failure (the rule's
 * `latestAt`, or when it was raised) happened at or before the recovery. A failure after
 * the recovery is a new one and stays open; an alert resolved already is left alone, so
 * a recovery applied again changes nothing.
 */
export function alertsRecoveredBy<A extends RecoverableAlert>(alerts: readonly A[], recoveredAt: string): A[] {
  const at = Date.parse(recoveredAt);
  return alerts.filter((a) => {
    if (a.ruleId !== 'payment_failure' || a.state === 'resolved') return false;
    const failedAt = typeof a.details.latestAt === 'string' ? a.details.latestAt : a.triggeredAt;
    return Date.parse(failedAt) <= at;
  });
}

/** The resolution written on an alert a payment recovery closed. */
export function paymentRecoveryResolution(failedAttempts: number, eventId: string): string {
  return `payment recovered: paid after ${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'} (event ${eventId})`;
}
