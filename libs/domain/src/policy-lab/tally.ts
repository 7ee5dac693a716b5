import { alertOutcome, periodBounds, type AccountOutcomeRow } from '../metrics/alert-metrics';
import { histogramOf, mergeHistograms, wholeUnits } from '../metrics/rollup';
import type {
  BacktestAccountHistory,
  BacktestGroupCounts,
  BacktestPeriod,
  BacktestPolicies,
  BacktestTally,
  SimulatedAlert,
} from './backtest-contract';
import { instantMs } from '../time/local-time';
import { replayAccountAlertsUnder } from './simulate';

/**
 * The back-test's tally (docs/policy-lab.md, "Figures"): one account at a time, its
 * simulated alerts under each policy judged against what happened to it, added up per
 * policy and group; tallies of parts of the book merge into the tally of the whole.
 */

const DAY_MS = 86_400_000;
const t = instantMs;

/** Every rule, severity or segment: the '*' of a group key. */
export const ALL = '*';

/** `${ruleId}|${severity}|${segment}`. */
export function backtestGroupKey(ruleId: string, severity: string, segment: string): string {
  return `${ruleId}|${severity}|${segment}`;
}

/** The keys an alert on an account of `segment` counts under: its rule or all, its severity or all, its segment or all. */
function keysOf(alert: Pick<SimulatedAlert, 'ruleId' | 'severity'>, segment: string): string[] {
  const keys: string[] = [];
  for (const r of [alert.ruleId, ALL])
    for (const s of [alert.severity, ALL]) for (const g of [segment, ALL]) keys.push(backtestGroupKey(r, s, g));
  return keys;
}

export function emptyGroupCounts(): BacktestGroupCounts {
  return {
    alerts: 0,
    accountsFlagged: 0,
    realRisk: 0,
    noRisk: 0,
    churnsWarnedInTime: 0,
    leadDays: {},
    healthyFlagged: 0,
  };
}

export function emptyTally(): BacktestTally {
  return { byPolicy: {}, population: {}, csmIds: [], accountsRead: 0, eventsRead: 0 };
}

/** What happened to an account, as the back-test judges it (docs/policy-lab.md, "Ground truth"). */
export interface AccountGroundTruth {
  /** The first decision of a renewal decided churned in the period (ISO), or null. */
  churnedAt: string | null;
  /** A renewal decided downsized in the period. */
  downsized: boolean;
  /** A save running at some time in the period. */
  neededSave: boolean;
  /** None of these. */
  healthy: boolean;
  /** What makes an alert real risk (alertOutcome): every churn and downsize decision, every save. */
  outcomes: AccountOutcomeRow[];
}

export function accountGroundTruth(history: BacktestAccountHistory, period: BacktestPeriod): AccountGroundTruth {
  const { startMs, endMs } = periodBounds(period);
  const inPeriod = (at: string | null) => at !== null && t(at) >= startMs && t(at) < endMs;
  const churns = history.renewals
    .filter((r) => r.outcome === 'churned' && inPeriod(r.decidedAt))
    .map((r) => r.decidedAt!)
    .sort((a, b) => t(a) - t(b));
  const downsized = history.renewals.some((r) => r.outcome === 'downsized' && inPeriod(r.decidedAt));
  const neededSave = history.saves.some(
    (s) => t(s.startedAt) < endMs && (s.endedAt === null || t(s.endedAt) >= startMs),
  );
  const accountId = history.account.id;
  const outcomes: AccountOutcomeRow[] = [
    ...history.renewals
      .filter((r) => (r.outcome === 'churned' || r.outcome === 'downsized') && r.decidedAt !== null)
      .map((r) => ({ accountId, kind: r.outcome as 'churned' | 'downsized', at: r.decidedAt!, until: null })),
    ...history.saves.map((s) => ({ accountId, kind: 'save' as const, at: s.startedAt, until: s.endedAt })),
  ];
  const churnedAt = churns[0] ?? null;
  return { churnedAt, downsized, neededSave, healthy: churnedAt === null && !downsized && !neededSave, outcomes };
}

/** Inserts `id` into a sorted list of distinct ids, keeping it sorted (merge order never changes it). */
function insertSorted(ids: string[], id: string): void {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  if (ids[lo] !== id) ids.splice(lo, 0, id);
}

/**
 * Adds one account to the tally (mutates it): its population and ground truth, and under
 * each policy ('current' and each candidate's label) the counts of every group its
 * alerts fall in. Alerts are judged by the policy in force's metrics settings
 * (`metrics.alertOutcomeWindowDays`, `metrics.alertLeadDays`), so every policy is judged
 * alike; `now` closes the outcome windows (an alert whose window is still open with no
 * outcome is pending).
 */
export function addAccountToTally(
  tally: BacktestTally,
  history: BacktestAccountHistory,
  policies: BacktestPolicies,
  period: BacktestPeriod,
  now: Date,
): void {
  const { startMs, endMs } = periodBounds(period);
  const segment = history.account.segment;
  const truth = accountGroundTruth(history, period);
  tally.accountsRead += 1;
  tally.eventsRead += history.events.length;
  insertSorted(tally.csmIds, history.account.ownerCsmId);
  for (const g of [segment, ALL]) {
    const p = (tally.population[g] ??= { accounts: 0, churned: 0, healthy: 0 });
    p.accounts += 1;
    if (truth.churnedAt !== null) p.churned += 1;
    if (truth.healthy) p.healthy += 1;
  }
  const { alertOutcomeWindowDays: windowDays, alertLeadDays: leadDays } = policies.current.metrics;
  const labelled = [{ label: 'current', policy: policies.current }, ...policies.candidates];
  // Every policy in one pass over the account's events.
  const alertsOf = replayAccountAlertsUnder(
    history,
    labelled.map((l) => l.policy),
    endMs,
  );
  for (const [p, { label }] of labelled.entries()) {
    const groups = (tally.byPolicy[label] ??= {});
    const counts = (key: string) => (groups[key] ??= emptyGroupCounts());
    const alerts = alertsOf[p]!;
    const flagged = new Set<string>();
    for (const a of alerts) {
      if (t(a.triggeredAt) < startMs) continue;
      const outcome = alertOutcome(a, truth.outcomes, windowDays, now.getTime());
      for (const key of keysOf(a, segment)) {
        const c = counts(key);
        c.alerts += 1;
        if (outcome === 'real_risk') c.realRisk += 1;
        else if (outcome === 'no_risk') c.noRisk += 1;
        flagged.add(key);
      }
    }
    for (const key of flagged) {
      const c = counts(key);
      c.accountsFlagged += 1;
      if (truth.healthy) c.healthyFlagged += 1;
    }
    if (truth.churnedAt === null) continue;
    // The churn's warnings: alerts in the outcome window before the decision (possibly before the period).
    const decided = t(truth.churnedAt);
    const firstByKey = new Map<string, number>();
    for (const a of alerts) {
      const at = t(a.triggeredAt);
      if (at > decided || at < decided - windowDays * DAY_MS) continue;
      for (const key of keysOf(a, segment)) firstByKey.set(key, Math.min(firstByKey.get(key) ?? at, at));
    }
    for (const [key, first] of firstByKey) {
      const c = counts(key);
      c.leadDays = mergeHistograms([c.leadDays, histogramOf([wholeUnits(decided - first, DAY_MS)])]);
      if (decided - first >= leadDays * DAY_MS) c.churnsWarnedInTime += 1;
    }
  }
}

function addCounts(a: BacktestGroupCounts, b: BacktestGroupCounts): BacktestGroupCounts {
  return {
    alerts: a.alerts + b.alerts,
    accountsFlagged: a.accountsFlagged + b.accountsFlagged,
    realRisk: a.realRisk + b.realRisk,
    noRisk: a.noRisk + b.noRisk,
    churnsWarnedInTime: a.churnsWarnedInTime + b.churnsWarnedInTime,
    leadDays: mergeHistograms([a.leadDays, b.leadDays]),
    healthyFlagged: a.healthyFlagged + b.healthyFlagged,
  };
}

/** The tally of both parts of a book (a new tally; neither is changed). Associative and commutative. */
export function mergeTallies(a: BacktestTally, b: BacktestTally): BacktestTally {
  const byPolicy: BacktestTally['byPolicy'] = {};
  for (const label of new Set([...Object.keys(a.byPolicy), ...Object.keys(b.byPolicy)])) {
    const x = a.byPolicy[label] ?? {};
    const y = b.byPolicy[label] ?? {};
    const groups: Record<string, BacktestGroupCounts> = {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)]))
      groups[key] = addCounts(x[key] ?? emptyGroupCounts(), y[key] ?? emptyGroupCounts());
    byPolicy[label] = groups;
  }
  const population: BacktestTally['population'] = {};
  for (const g of new Set([...Object.keys(a.population), ...Object.keys(b.population)])) {
    const x = a.population[g] ?? { accounts: 0, churned: 0, healthy: 0 };
    const y = b.population[g] ?? { accounts: 0, churned: 0, healthy: 0 };
    population[g] = {
      accounts: x.accounts + y.accounts,
      churned: x.churned + y.churned,
      healthy: x.healthy + y.healthy,
    };
  }
  const csmIds = [...new Set([...a.csmIds, ...b.csmIds])].sort();
  return {
    byPolicy,
    population,
    csmIds,
    accountsRead: a.accountsRead + b.accountsRead,
    eventsRead: a.eventsRead + b.eventsRead,
  };
}
