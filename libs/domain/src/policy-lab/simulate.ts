import { alertHeldBack, decideAlertOutcome, type AlertBookkeeping } from '../early-warning/alert-decision';
import { ALERT_EVALUATION_INTERVAL_MS } from '../early-warning/alert-handling';
import {
  enabledAlertRules,
  evaluateEnabledRules,
  nonUsageRuleSettings,
  type EarlyWarningAccount,
  type EvaluationFacts,
  type MeasurableUsage,
} from '../early-warning/alert-rules';
import { validateEventPayload, type IntegrationEvent } from '../early-warning/event-catalogue';
import {
  applyEvent,
  initialSignalState,
  signalStateSettings,
  type AccountSignalState,
  type UsageSample,
} from '../early-warning/signal-state';
import { periodBounds } from '../metrics/alert-metrics';
import type { RetainPolicy } from '../policy/retain-policy';
import { instantMs, localDateAtMs } from '../time/local-time';
import type {
  BacktestAccountHistory,
  BacktestEvent,
  BacktestPeriod,
  BacktestRenewal,
  SimulatedAlert,
} from './backtest-contract';

/**
 * The back-test's replay of one account (docs/policy-lab.md, "What a back-test
 * replays"): its recorded events in occurredAt order folded into the signal state
 * (applyEvent), the rules evaluated (evaluateAlertRules) after each batch of events (the
 * events of one occurredAt instant) and again once a day for time passing
 * (ALERT_EVALUATION_INTERVAL_MS after the last evaluation, as nextEvaluationAt), and each
 * triggered alert decided by the account workflow's own decideAlert (decideAlertOutcome: final severity,
 * suppression, consolidation). What it cannot know: no manual suppression window (people
 * declared them under the policy in force, for the alerts they saw), and no
 * acknowledgement (alerts are taken as never acknowledged, so repeat suppression alone
 * holds them back). Pure and deterministic: no clock; the same history and policy give
 * the same alerts.
 */

const t = instantMs;

/** The events in occurredAt order (then eventId), each id once, only those the catalogue accepts (as the workflow skips the rest). */
export function replayOrder(events: readonly BacktestEvent[]): BacktestEvent[] {
  const sorted = events
    .filter((e) => Number.isFinite(t(e.occurredAt)) && validateEventPayload(e.type, e.payload).length === 0)
    .map((e, i) => ({ e, i, at: t(e.occurredAt) }))
    .sort((a, b) => a.at - b.at || (a.e.eventId < b.e.eventId ? -1 : a.e.eventId > b.e.eventId ? 1 : a.i - b.i));
  const seen = new Set<string>();
  const out: BacktestEvent[] = [];
  for (const { e } of sorted) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    out.push(e);
  }
  return out;
}

/**
 * The renewal date the rules and the severity modifiers see at `at`, as the workflow's
 * context reads it (the account's open renewal: launched, not decided, the earliest
 * date): the earliest date of the renewals launched by then (when the history says when)
 * and not decided by then; a renewal never decided counts until its date has passed
 * (one cancelled would otherwise stay open forever), a renewal decided late until its
 * decision. Null when there is none.
 */
export function openRenewalDateAt(renewals: readonly BacktestRenewal[], at: number, timeZone: string): string | null {
  // The local date only when a renewal not decided asks for it (one a day per account otherwise).
  let today: string | null = null;
  let next: string | null = null;
  for (const r of renewals) {
    if (r.launchedAt && t(r.launchedAt) > at) continue;
    if (r.decidedAt !== null ? t(r.decidedAt) <= at : r.renewalDate < (today ??= localDateAtMs(at, timeZone))) continue;
    if (next === null || r.renewalDate < next) next = r.renewalDate;
  }
  return next;
}

/**
 * Every alert the replay raises from the account's first event up to `untilMs`
 * (exclusive), warm-up included: the alerts before a period decide the suppression of
 * those in it, and warn of churns early in it.
 */
export function replayAccountAlerts(
  history: BacktestAccountHistory,
  policy: RetainPolicy,
  untilMs: number,
): SimulatedAlert[] {
  return replayAccountAlertsUnder(history, [policy], untilMs)[0]!;
}

/**
 * replayAccountAlerts under each policy in one pass (what the back-test runs): the events
 * are ordered once, the evaluation instants (the same for every policy: they follow the
 * events) and the account as the rules see it at each are worked out once, and policies
 * with the same signal-state settings (signalStateSettings) fold the events into one
 * signal state; each policy has its own rules' evaluation and its own alert bookkeeping.
 * The alerts of each policy, in the order of `policies`.
 */
export function replayAccountAlertsUnder(
  history: BacktestAccountHistory,
  policies: readonly RetainPolicy[],
  untilMs: number,
): SimulatedAlert[][] {
  const a = history.account;
  // The account as the rules see it: a new object only when its open renewal changes.
  let account: EarlyWarningAccount | null = null;
  const accountAt = (at: number): EarlyWarningAccount => {
    const renewalDate = openRenewalDateAt(history.renewals, at, a.timeZone);
    if (account?.renewalDate !== renewalDate)
      account = {
        id: a.id,
        segment: a.segment,
        vertical: a.vertical,
        arrCents: a.arrCents,
        timeZone: a.timeZone,
        renewalDate,
      };
    return account;
  };
  // One signal state per distinct signal-state settings, folded under the first policy that has them.
  const stateOf: number[] = [];
  const stateKeys: string[] = [];
  const statePolicies: RetainPolicy[] = [];
  for (const policy of policies) {
    const key = JSON.stringify(signalStateSettings(policy));
    let k = stateKeys.indexOf(key);
    if (k < 0) {
      k = stateKeys.push(key) - 1;
      statePolicies.push(policy);
    }
    stateOf.push(k);
  }
  const signals: AccountSignalState[] = statePolicies.map(() => initialSignalState());
  // The rules each policy enables, and the earlier policy of the pass (same signal state,
  // same settings but the usage section's: nonUsageRuleSettings) whose evaluation gives
  // this one's results of the rules outside the usage group, or -1.
  const rulesOf = policies.map((policy) => enabledAlertRules(policy));
  const ruleSettings = policies.map((policy) => nonUsageRuleSettings(policy));
  const reuseOf = policies.map((_, p) => {
    for (let q = 0; q < p; q++)
      if (stateOf[q] === stateOf[p] && sameSettings(ruleSettings[q], ruleSettings[p])) return q;
    return -1;
  });
  const facts: EvaluationFacts[] = policies.map(() => ({ results: [] }));
  // Per policy, the measurable usage snapshots last worked out, with the snapshots they were
  // taken from, kept when every one of those was up to the evaluation's instant: then they
  // are the snapshots outside the seasonal windows, whatever the instant (the windows go by
  // each snapshot's own local date), and hold for as long as the state has the same ones.
  const usageKept: Array<{ list: readonly UsageSample[]; usage: MeasurableUsage } | null> = policies.map(() => null);
  const books: AlertBookkeeping[] = policies.map(() => ({
    alertSeq: 0,
    lastByRule: {},
    clusters: {},
    suppressedCount: 0,
    suppressions: [],
  }));
  const raised: SimulatedAlert[][] = policies.map(() => []);
  let lastEvaluatedAt: number | null = null;
  const evaluate = (at: number) => {
    lastEvaluatedAt = at;
    const now = new Date(at);
    const account = accountAt(at);
    for (let p = 0; p < policies.length; p++) {
      const policy = policies[p]!;
      // A new evaluation's facts (evaluateAlertRules makes them anew each time too).
      const own: EvaluationFacts = (facts[p] = { results: [] });
      const reuse = reuseOf[p]! >= 0 ? facts[reuseOf[p]!] : undefined;
      const list = signals[stateOf[p]!]!.usage;
      const kept = usageKept[p];
      if (reuse === undefined && kept && sameItems(kept.list, list)) own.usage = kept.usage;
      for (const triggered of evaluateEnabledRules(
        signals[stateOf[p]!]!,
        now,
        policy,
        account,
        rulesOf[p]!,
        own,
        reuse,
      )) {
        // Held back: decideAlertOutcome would only count it (the replay has no manual windows and reads no count).
        if (alertHeldBack(books[p]!, triggered, account, now, policy)) continue;
        const d = decideAlertOutcome(books[p]!, a.id, triggered, account, now, policy);
        books[p] = d.next;
        if (d.raised)
          raised[p]!.push({
            accountId: a.id,
            ruleId: triggered.ruleId,
            severity: d.severity,
            triggeredAt: now.toISOString(),
          });
      }
      if (reuse === undefined && own.usage && own.usage !== kept?.usage && list.every((s) => t(s.at) <= at))
        usageKept[p] = { list, usage: own.usage };
    }
  };
  // The daily evaluations due before `before` (none before the first evaluation).
  const passTimeUntil = (before: number) => {
    while (lastEvaluatedAt !== null && lastEvaluatedAt + ALERT_EVALUATION_INTERVAL_MS < before)
      evaluate(lastEvaluatedAt + ALERT_EVALUATION_INTERVAL_MS);
  };
  const events = replayOrder(history.events);
  for (let i = 0; i < events.length;) {
    const at = t(events[i]!.occurredAt);
    if (at >= untilMs) break;
    passTimeUntil(at);
    for (; i < events.length && t(events[i]!.occurredAt) === at; i++) {
      const e = events[i]!;
      // Account facts are not a risk signal (the workflow passes them to the renewals only).
      if (e.type === 'account_updated') continue;
      const event = { type: e.type, occurredAt: e.occurredAt, payload: e.payload } as IntegrationEvent;
      for (let k = 0; k < signals.length; k++)
        signals[k] = applyEvent(signals[k]!, event, new Date(at), statePolicies[k]!);
    }
    evaluate(at);
  }
  passTimeUntil(untilMs);
  return raised;
}

/** The same items in the same order (the signal state's lists are new after every event, their items are not). */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether two settings hold the same values (plain objects key by key, lists item by
 * item, anything else Object.is): sections a candidate took over unchanged from its base
 * are the same objects and are not walked. Cheaper than comparing their JSON, which a
 * pass would otherwise write for every account.
 */
export function sameSettings(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameSettings(x, b[i]));
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && sameSettings(x[k], y[k]));
}

/** The alerts the replay raises that were triggered in the period (from the start of `from` to the end of `to`, UTC). */
export function simulateAccountAlerts(
  history: BacktestAccountHistory,
  policy: RetainPolicy,
  period: BacktestPeriod,
): SimulatedAlert[] {
  const { startMs, endMs } = periodBounds(period);
  return replayAccountAlerts(history, policy, endMs).filter((x) => t(x.triggeredAt) >= startMs);
}
