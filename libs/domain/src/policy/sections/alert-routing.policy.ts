/**
 * Policy section `earlyWarning` (part): how an alert's severity is modified and who
 * hears of it, by which channel, how soon it must be answered and up which chain it
 * escalates (docs/rulebook.md §5.1, §5.4; read by early-warning/severity-routing.ts).
 * Type, defaults and checks side by side; early-warning.policy.ts composes its parts.
 */
import { SEGMENTS, type Segment } from '../../roles';
import { SEVERITIES, type AlertSeverity } from './alert-vocabulary';
import { oneOf, wholeAtLeast } from './checks';
import type { EarlyWarningRuleSettings } from './early-warning.policy';

export const ALERT_CHANNELS = [
  'instant_message',
  'email',
  'sms',
  'dashboard',
  'daily_digest',
  'weekly_digest',
] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];
/** When a recipient's notification goes out (§5.4): at once, within `promptWithinMinutes`, in the daily or in the weekly digest. */
export const ALERT_DELIVERY_TIMINGS = ['immediate', 'prompt', 'daily_digest', 'weekly_digest'] as const;
export type AlertDeliveryTiming = (typeof ALERT_DELIVERY_TIMINGS)[number];
export const ALERT_RECIPIENT_ROLES = ['csm', 'csm_manager', 'sales_rep'] as const;
export type AlertRecipientRole = (typeof ALERT_RECIPIENT_ROLES)[number];
/** Who an unhandled alert escalates to, in order (the assignee is the CSM). */
export const ALERT_ESCALATION_ROLES = ['csm_manager', 'director', 'vp'] as const;
export type AlertEscalationRole = (typeof ALERT_ESCALATION_ROLES)[number];

export interface AlertRoutingPolicy {
  /** Modifiers (§5.4), applied in the fixed order renewal proximity, ARR, segment, each clamped to P0..P3. */
  severity: {
    renewal: { raiseWithinDays: number; lowerFromDays: number; lowerFarRenewal: boolean };
    arr: { raiseFromCents: number; lowerBelowCents: number };
    segmentShift: Record<Segment, number>;
  };
  /** Per severity and role: channels (none: not notified) and timing (§5.1, §5.4). */
  routing: Record<AlertSeverity, Record<AlertRecipientRole, { channels: AlertChannel[]; timing: AlertDeliveryTiming }>>;
  /** Rules whose P0 alerts also go by SMS. */
  smsForRules: Array<keyof EarlyWarningRuleSettings>;
  /** The sales rep gets an alert (where its severity has sales channels) for these segments, from this ARR, for a P0 with a renewal this near, or for these rules; and every P0 when `everyP0` (§5.1). */
  salesRep: {
    /** Every P0 reaches the account's sales rep (§5.1: "CSM, CSM manager and sales rep"); policies before 2026-12-01.8 had no such setting. */
    everyP0: boolean;
    segments: Segment[];
    fromArrCents: number;
    p0RenewalWithinDays: number;
    rules: Array<keyof EarlyWarningRuleSettings>;
  };
  sla: { responseHours: Record<AlertSeverity, number>; escalationChain: AlertEscalationRole[] };
}

export const ALERT_ROUTING_DEFAULTS: AlertRoutingPolicy = {
  // Seed 004: "less than 60 days" raises, "180 days or more" may lower; $100K and over raises, under $10K lowers.
  severity: {
    renewal: { raiseWithinDays: 60, lowerFromDays: 180, lowerFarRenewal: true },
    arr: { raiseFromCents: 10_000_000, lowerBelowCents: 1_000_000 },
    // §5.4's segment rule decides recipients (salesRep below), not severity.
    segmentShift: { enterprise: 0, mid_market: 0, smb: 0 },
  },
  routing: {
    P0: {
      csm: { channels: ['instant_message', 'email', 'dashboard'], timing: 'immediate' },
      csm_manager: { channels: ['instant_message', 'email'], timing: 'immediate' },
      sales_rep: { channels: ['instant_message', 'email'], timing: 'immediate' },
    },
    P1: {
      csm: { channels: ['email', 'dashboard'], timing: 'prompt' },
      csm_manager: { channels: ['daily_digest'], timing: 'daily_digest' },
      sales_rep: { channels: ['email'], timing: 'prompt' },
    },
    P2: {
      csm: { channels: ['dashboard', 'daily_digest'], timing: 'daily_digest' },
      csm_manager: { channels: [], timing: 'daily_digest' },
      sales_rep: { channels: ['daily_digest'], timing: 'daily_digest' },
    },
    P3: {
      csm: { channels: ['dashboard', 'weekly_digest'], timing: 'weekly_digest' },
      csm_manager: { channels: [], timing: 'weekly_digest' },
      sales_rep: { channels: [], timing: 'weekly_digest' },
    },
  },
  smsForRules: ['sponsor_departure', 'payment_failure'],
  // Renewal work starts at T-90 (§2): a P0 reaches sales from then on.
  salesRep: {
    everyP0: true,
    segments: ['enterprise'],
    fromArrCents: 10_000_000,
    p0RenewalWithinDays: 90,
    rules: ['sponsor_departure'],
  },
  // §5.1: P0 under 4 h, P1 24 h, P2 2-3 days, P3 1-2 weeks (the upper ends).
  sla: { responseHours: { P0: 4, P1: 24, P2: 72, P3: 336 }, escalationChain: ['csm_manager', 'director', 'vp'] },
};

/** Checks the severity modifiers, routing, SMS and sales-rep rules and SLAs; `ruleIds` are the alert rules the policy knows. */
export function validateAlertRouting(ew: AlertRoutingPolicy, ruleIds: readonly string[]): string[] {
  const errors: string[] = [];
  const sev = ew.severity;
  if (!(
    wholeAtLeast(sev.renewal.raiseWithinDays, 0) &&
    sev.renewal.lowerFromDays > sev.renewal.raiseWithinDays &&
    typeof sev.renewal.lowerFarRenewal === 'boolean'
  ))
    errors.push('earlyWarning.severity.renewal: 0 <= raiseWithinDays < lowerFromDays, lowerFarRenewal true or false');
  if (!(
    Number.isInteger(sev.arr.lowerBelowCents) &&
    sev.arr.lowerBelowCents >= 0 &&
    Number.isInteger(sev.arr.raiseFromCents) &&
    sev.arr.raiseFromCents > sev.arr.lowerBelowCents
  ))
    errors.push('earlyWarning.severity.arr: whole cents, 0 <= lowerBelowCents < raiseFromCents');
  if (!SEGMENTS.every((s) => Number.isInteger(sev.segmentShift[s]) && Math.abs(sev.segmentShift[s]) <= 3))
    errors.push('earlyWarning.severity.segmentShift: whole levels -3 to 3 for every segment');
  for (const s of SEVERITIES)
    for (const role of ALERT_RECIPIENT_ROLES) {
      const route = (
        ew.routing as unknown as Record<
          string,
          Record<string, { channels: string[]; timing: string } | undefined> | undefined
        >
      )[s]?.[role];
      if (
        !route ||
        !Array.isArray(route.channels) ||
        route.channels.some((c) => !oneOf(ALERT_CHANNELS, c)) ||
        !oneOf(ALERT_DELIVERY_TIMINGS, route.timing)
      ) {
        errors.push(
          `earlyWarning.routing.${s}.${role}: channels from ${ALERT_CHANNELS.join(', ')} and a timing of immediate, prompt, daily_digest or weekly_digest`,
        );
      } else if (role === 'csm' && route.channels.length === 0)
        errors.push(`earlyWarning.routing.${s}.csm: the assignee needs at least one channel`);
    }
  if (!Array.isArray(ew.smsForRules) || ew.smsForRules.some((id) => !ruleIds.includes(id)))
    errors.push('earlyWarning.smsForRules: a list of rule ids');
  const sr = ew.salesRep;
  if (
    typeof sr.everyP0 !== 'boolean' ||
    !Array.isArray(sr.segments) ||
    sr.segments.some((s) => !oneOf(SEGMENTS, s)) ||
    !Array.isArray(sr.rules) ||
    sr.rules.some((id) => !ruleIds.includes(id)) ||
    !(Number.isInteger(sr.fromArrCents) && sr.fromArrCents >= 0) ||
    !wholeAtLeast(sr.p0RenewalWithinDays, 0)
  ) {
    errors.push(
      'earlyWarning.salesRep: everyP0 true or false, segments, rule ids, fromArrCents whole cents >= 0, p0RenewalWithinDays whole days >= 0',
    );
  }
  const slaHours = SEVERITIES.map((s) => ew.sla.responseHours[s]);
  if (slaHours.some((h, i) => !(h > 0) || (i > 0 && h < slaHours[i - 1]!)))
    errors.push('earlyWarning.sla.responseHours: > 0 for every severity, P0 <= P1 <= P2 <= P3');
  const chain = ew.sla.escalationChain;
  if (
    !Array.isArray(chain) ||
    chain.length === 0 ||
    chain.some(
      (role, i) =>
        !oneOf(ALERT_ESCALATION_ROLES, role) ||
        (i > 0 && ALERT_ESCALATION_ROLES.indexOf(role) <= ALERT_ESCALATION_ROLES.indexOf(chain[i - 1]!)),
    )
  ) {
    errors.push('earlyWarning.sla.escalationChain: csm_manager, director, vp, in rising order, at least one');
  }
  return errors;
}
