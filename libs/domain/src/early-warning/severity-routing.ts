/**
 * Severity, routing, response SLAs and escalation of early-warning alerts (docs/rulebook.md
 * §5.1, §5.4). Pure: `now` is always an argument.
 *
 * Severity = the rule's base severity, then the modifiers in this fixed order, each
 * step clamped to P0..P3 before the next:
 *   1. renewal proximity: renewal in under 60 days raises one level; 180 days or more
 *      away lowers one level (seed 004: "less than 60", "180 or more ... may lower");
 *   2. ARR: $100K and over raises one level; under $10K lowers one level;
 *   3. segment: a per-segment shift, 0 by default (§5.4's segment rule routes, it does
 *      not change severity).
 * Clamping per step makes the order matter: a P0 sponsor departure 200 days before the
 * renewal on a $150K account is lowered to P1 by step 1 and raised back to P0 by step 2;
 * the other order would lose the raise to the clamp and end at P1. ARR goes after the
 * renewal because §5.4 calls the ARR rule resource allocation: it has the last word on
 * where effort goes. A renewal date already past (still open) counts as near.
 */
import type {
  AlertChannel,
  AlertDeliveryTiming,
  AlertEscalationRole,
  AlertRecipientRole,
  AlertSeverity,
  RetainPolicy,
} from '../policy/retain-policy';
import { daysUntilRenewal } from '../renewals/renewal-timeline';
import { isIsoDate } from '../time/local-time';
import type { AlertRuleId, EarlyWarningAccount, TriggeredAlert } from './alert-rules';

const HOUR = 3_600_000;

export const ALERT_SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const satisfies readonly AlertSeverity[];

/** 0 for P0 (most severe) to 3 for P3. */
export function severityRank(severity: AlertSeverity): number {
  return ALERT_SEVERITIES.indexOf(severity);
}

/** Moves a severity `levels` towards P0 (positive) or P3 (negative), clamped to P0..P3. */
export function shiftSeverity(severity: AlertSeverity, levels: number): AlertSeverity {
  return ALERT_SEVERITIES[Math.min(3, Math.max(0, severityRank(severity) - levels))]!;
}

export function mostSevere(severities: readonly AlertSeverity[]): AlertSeverity {
  return ALERT_SEVERITIES[Math.min(...severities.map(severityRank))] ?? 'P3';
}

export const SEVERITY_MODIFIER_ORDER = ['renewal_proximity', 'arr', 'segment'] as const;
export type SeverityModifier = (typeof SEVERITY_MODIFIER_ORDER)[number];

export interface SeverityAdjustment {
  modifier: SeverityModifier;
  /** Levels asked for (+1 more severe); `to` may equal `from` when clamped. */
  shift: number;
  from: AlertSeverity;
  to: AlertSeverity;
  reason: string;
}

export interface SeverityDecision {
  base: AlertSeverity;
  severity: AlertSeverity;
  /** Only the modifiers that asked for a change, in the order applied. */
  adjustments: SeverityAdjustment[];
  daysToRenewal: number | null;
}

/** Days from `now` (the account's local date) to its next open renewal; null when none is known. */
export function renewalDaysLeft(
  account: Pick<EarlyWarningAccount, 'renewalDate' | 'timeZone'>,
  now: Date,
): number | null {
  const date = account.renewalDate ?? null;
  return date !== null && isIsoDate(date) ? daysUntilRenewal(date, account.timeZone, now) : null;
}

// One formatter for every amount (what toLocaleString('en-US') would make anew at each call).
const US_NUMBER = new Intl.NumberFormat('en-US');
const dollars = (cents: number) => `$${US_NUMBER.format(Math.round(cents / 100))}`;

/** What each modifier asks for (levels, +1 more severe), `days` to the open renewal or null. */
function modifierShifts(
  account: EarlyWarningAccount,
  days: number | null,
  policy: RetainPolicy,
): Record<SeverityModifier, number> {
  const m = policy.earlyWarning.severity;
  return {
    renewal_proximity:
      days === null
        ? 0
        : days < m.renewal.raiseWithinDays
          ? 1
          : m.renewal.lowerFarRenewal && days >= m.renewal.lowerFromDays
            ? -1
            : 0,
    arr: account.arrCents >= m.arr.raiseFromCents ? 1 : account.arrCents < m.arr.lowerBelowCents ? -1 : 0,
    segment: m.segmentShift[account.segment],
  };
}

/** Why each modifier asks for its shift (modifierShifts), in words. */
function modifierReason(
  modifier: SeverityModifier,
  shift: number,
  account: EarlyWarningAccount,
  days: number | null,
  policy: RetainPolicy,
): string {
  const m = policy.earlyWarning.severity;
  switch (modifier) {
    case 'renewal_proximity':
      return days === null
        ? 'no open renewal'
        : shift > 0
          ? `renewal in ${days} days (under ${m.renewal.raiseWithinDays})`
          : shift < 0
            ? `renewal ${days} days away (${m.renewal.lowerFromDays} or more)`
            : `renewal in ${days} days`;
    case 'arr':
      return shift > 0
        ? `ARR ${dollars(account.arrCents)} (${dollars(m.arr.raiseFromCents)} or more)`
        : shift < 0
          ? `ARR ${dollars(account.arrCents)} (under ${dollars(m.arr.lowerBelowCents)})`
          : `ARR ${dollars(account.arrCents)}`;
    case 'segment':
      return `segment ${account.segment}`;
  }
}

/** The final severity of an alert: base severity, then renewal proximity, ARR and segment, each clamped (see the module comment). */
export function applySeverityModifiers(
  base: AlertSeverity,
  account: EarlyWarningAccount,
  now: Date,
  policy: RetainPolicy,
): SeverityDecision {
  const days = renewalDaysLeft(account, now);
  const shifts = modifierShifts(account, days, policy);
  let severity = base;
  const adjustments: SeverityAdjustment[] = [];
  for (const modifier of SEVERITY_MODIFIER_ORDER) {
    const shift = shifts[modifier];
    if (shift === 0) continue;
    const reason = modifierReason(modifier, shift, account, days, policy);
    const to = shiftSeverity(severity, shift);
    adjustments.push({
      modifier,
      shift,
      from: severity,
      to,
      reason: to === severity ? `${reason}; already ${severity}` : reason,
    });
    severity = to;
  }
  return { base, severity, adjustments, daysToRenewal: days };
}

/** The final severity applySeverityModifiers gives, without the reasons (the alert decision needs only it). */
export function finalSeverity(
  base: AlertSeverity,
  account: EarlyWarningAccount,
  now: Date,
  policy: RetainPolicy,
): AlertSeverity {
  const shifts = modifierShifts(account, renewalDaysLeft(account, now), policy);
  let severity = base;
  for (const modifier of SEVERITY_MODIFIER_ORDER) severity = shiftSeverity(severity, shifts[modifier]);
  return severity;
}

export interface AlertRecipient {
  role: AlertRecipientRole;
  channels: AlertChannel[];
  timing: AlertDeliveryTiming;
  reason: string;
}

/**
 * Who hears of an alert of this final severity, by which channels and when (§5.1,
 * §5.4): the CSM always; the CSM manager where the severity has manager channels (P0
 * at once, P1 in the daily digest); the sales rep where the severity has sales
 * channels and the alert is a P0 (every P0, by default), the account is in a sales
 * segment (enterprise), has high ARR, the rule always involves sales (sponsor
 * departure), or a P0 comes with a renewal near. P0
 * alerts of the SMS rules (sponsor departure, payment failure) also go by SMS to
 * everyone notified at once. Roles are resolved to people by the caller.
 */
export function alertRecipients(
  ruleId: AlertRuleId,
  severity: AlertSeverity,
  account: EarlyWarningAccount,
  now: Date,
  policy: RetainPolicy,
): AlertRecipient[] {
  const e = policy.earlyWarning;
  const route = e.routing[severity];
  const out: AlertRecipient[] = [
    { role: 'csm', ...route.csm, channels: [...route.csm.channels], reason: 'account CSM (assignee)' },
  ];
  if (route.csm_manager.channels.length)
    out.push({
      role: 'csm_manager',
      ...route.csm_manager,
      channels: [...route.csm_manager.channels],
      reason: `${severity} alerts reach the CSM manager`,
    });
  if (route.sales_rep.channels.length) {
    const days = renewalDaysLeft(account, now);
    const why = [
      severity === 'P0' && e.salesRep.everyP0 ? 'every P0 reaches sales' : '',
      e.salesRep.rules.includes(ruleId) ? `${ruleId.replace(/_/g, ' ')} involves sales` : '',
      e.salesRep.segments.includes(account.segment) ? `${account.segment} account` : '',
      account.arrCents >= e.salesRep.fromArrCents ? `ARR ${dollars(account.arrCents)}` : '',
      severity === 'P0' && days !== null && days < e.salesRep.p0RenewalWithinDays ? `renewal in ${days} days` : '',
    ].filter(Boolean);
    if (why.length)
      out.push({
        role: 'sales_rep',
        ...route.sales_rep,
        channels: [...route.sales_rep.channels],
        reason: why.join(', '),
      });
  }
  if (severity === 'P0' && e.smsForRules.includes(ruleId)) {
    for (const r of out) if (r.timing === 'immediate' && !r.channels.includes('sms')) r.channels.push('sms');
  }
  return out;
}

/** Response SLA of a severity in hours (§5.1: P0 4 h, P1 24 h, P2 3 days, P3 14 days by default). */
export function responseSlaHours(severity: AlertSeverity, policy: RetainPolicy): number {
  return policy.earlyWarning.sla.responseHours[severity];
}

export interface EscalationStep {
  /** 1 for the first step up the chain. */
  level: number;
  role: AlertEscalationRole;
  at: string;
}

/**
 * The escalation ladder of an alert left unhandled: the first step after the rule's
 * own `escalateAfterHours` (the usage drop's 48 h) at its base severity or below, or
 * the response SLA of the final severity when the rule sets none (raised above its
 * base, an alert escalates no later than its SLA); each further step up the chain
 * (CSM manager, director, VP) after another SLA period.
 */
export function escalationSchedule(
  ruleId: AlertRuleId,
  severity: AlertSeverity,
  createdAt: Date,
  policy: RetainPolicy,
): EscalationStep[] {
  const e = policy.earlyWarning;
  const sla = responseSlaHours(severity, policy);
  const own = e.rules[ruleId].escalateAfterHours;
  const raised = severityRank(severity) < severityRank(e.rules[ruleId].baseSeverity);
  const first = own > 0 ? (raised ? Math.min(own, sla) : own) : sla;
  return e.sla.escalationChain.map((role, i) => ({
    level: i + 1,
    role,
    at: new Date(createdAt.getTime() + (first + i * sla) * HOUR).toISOString(),
  }));
}

export interface EscalationStatus {
  /** 0 while the CSM still has it; n once the n-th step is reached. */
  level: number;
  owner: 'csm' | AlertEscalationRole;
  respondBy: string;
  /** Unhandled past its response SLA. */
  overdue: boolean;
  next: EscalationStep | null;
}

/** Where an alert stands on its escalation ladder at `now`; handling it (acknowledge or resolve) stops the climb where it was. */
export function escalationStatus(
  a: { ruleId: AlertRuleId; severity: AlertSeverity; createdAt: string; handledAt?: string | null },
  now: Date,
  policy: RetainPolicy,
): EscalationStatus {
  const created = new Date(a.createdAt);
  const handledAt = a.handledAt ? Date.parse(a.handledAt) : null;
  const open = handledAt === null || handledAt > now.getTime();
  const until = open ? now.getTime() : handledAt;
  const steps = escalationSchedule(a.ruleId, a.severity, created, policy);
  const reached = steps.filter((s) => Date.parse(s.at) <= until);
  const respondBy = created.getTime() + responseSlaHours(a.severity, policy) * HOUR;
  return {
    level: reached.length,
    owner: reached.at(-1)?.role ?? 'csm',
    respondBy: new Date(respondBy).toISOString(),
    overdue: open && now.getTime() >= respondBy,
    next: open ? (steps[reached.length] ?? null) : null,
  };
}

export interface RoutedAlert extends TriggeredAlert {
  severity: AlertSeverity;
  adjustments: SeverityAdjustment[];
  daysToRenewal: number | null;
  recipients: AlertRecipient[];
  responseSlaHours: number;
  respondBy: string;
  escalations: EscalationStep[];
}

/** A triggered alert with its final severity, recipients, SLA and escalation ladder, as of its trigger time. */
export function routeAlert(alert: TriggeredAlert, account: EarlyWarningAccount, policy: RetainPolicy): RoutedAlert {
  const at = new Date(alert.triggeredAt);
  const decision = applySeverityModifiers(alert.baseSeverity, account, at, policy);
  const hours = responseSlaHours(decision.severity, policy);
  return {
    ...alert,
    severity: decision.severity,
    adjustments: decision.adjustments,
    daysToRenewal: decision.daysToRenewal,
    recipients: alertRecipients(alert.ruleId, decision.severity, account, at, policy),
    responseSlaHours: hours,
    respondBy: new Date(at.getTime() + hours * HOUR).toISOString(),
    escalations: escalationSchedule(alert.ruleId, decision.severity, at, policy),
  };
}
