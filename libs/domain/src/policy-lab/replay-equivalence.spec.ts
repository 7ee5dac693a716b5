import { decideAlertOutcome, type AlertBookkeeping } from '../early-warning/alert-decision';
import { ALERT_EVALUATION_INTERVAL_MS } from '../early-warning/alert-handling';
import {
  ALERT_RULES,
  evaluateAlertRules,
  nonUsageRuleSettings,
  type EarlyWarningAccount,
} from '../early-warning/alert-rules';
import type { IntegrationEvent } from '../early-warning/event-catalogue';
import { applyEvent, initialSignalState, type AccountSignalState } from '../early-warning/signal-state';
import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import type { Segment } from '../roles';
import type { BacktestAccountHistory, BacktestEvent, SimulatedAlert } from './backtest-contract';
import { seededRandom } from './planted-usage';
import { openRenewalDateAt, replayAccountAlertsUnder, replayOrder, sameSettings } from './simulate';

/*
 * The back-test's speed work (docs/policy-lab.md, "Speed") changed how a pass computes,
 * not what it gives. The replay of a pass (replayAccountAlertsUnder: one signal state per
 * signal-state settings, the rules outside the usage group evaluated once for policies
 * that agree on their settings, a held-back alert skipped on the checks alone) is held to
 * the straightforward replay of each policy alone, written here as it was before: every
 * rule evaluated (evaluateAlertRules) and every triggered alert decided
 * (decideAlertOutcome), on seeded, varied account histories.
 */

const DAY = 86_400_000;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Pacific/Auckland'];
const SEGMENTS: Segment[] = ['enterprise', 'mid_market', 'smb'];

/** One policy's replay, straightforwardly: the reference. */
function plainReplay(history: BacktestAccountHistory, policy: RetainPolicy, untilMs: number): SimulatedAlert[] {
  const a = history.account;
  let state: AccountSignalState = initialSignalState();
  let book: AlertBookkeeping = { alertSeq: 0, lastByRule: {}, clusters: {}, suppressedCount: 0, suppressions: [] };
  const raised: SimulatedAlert[] = [];
  // In an object: TypeScript does not see the closure's assignments to a plain variable.
  const clock: { last: number | null } = { last: null };
  const evaluate = (at: number) => {
    clock.last = at;
    const now = new Date(at);
    const account: EarlyWarningAccount = {
      id: a.id,
      segment: a.segment,
      vertical: a.vertical,
      arrCents: a.arrCents,
      timeZone: a.timeZone,
      renewalDate: openRenewalDateAt(history.renewals, at, a.timeZone),
    };
    for (const triggered of evaluateAlertRules(state, now, policy, account)) {
      const d = decideAlertOutcome(book, a.id, triggered, account, now, policy);
      book = d.next;
      if (d.raised)
        raised.push({
          accountId: a.id,
          ruleId: triggered.ruleId,
          severity: d.severity,
          triggeredAt: now.toISOString(),
        });
    }
  };
  const events = replayOrder(history.events);
  let i = 0;
  while (i < events.length) {
    const at = Date.parse(events[i]!.occurredAt);
    if (at >= untilMs) break;
    while (clock.last !== null && clock.last + ALERT_EVALUATION_INTERVAL_MS < at)
      evaluate(clock.last + ALERT_EVALUATION_INTERVAL_MS);
    for (; i < events.length && Date.parse(events[i]!.occurredAt) === at; i++) {
      const e = events[i]!;
      if (e.type === 'account_updated') continue;
      state = applyEvent(
        state,
        { type: e.type, occurredAt: e.occurredAt, payload: e.payload } as IntegrationEvent,
        new Date(at),
        policy,
      );
    }
    evaluate(at);
  }
  while (clock.last !== null && clock.last + ALERT_EVALUATION_INTERVAL_MS < untilMs)
    evaluate(clock.last + ALERT_EVALUATION_INTERVAL_MS);
  return raised;
}

/**
 * A seeded account-year: weekly (or uneven) usage with a drop on some, one-off signals of
 * many kinds (several at the same instant now and then, one id twice), tickets opened,
 * reopened and resolved, CSM flags, meetings held and cancelled, and renewals decided,
 * undecided or launched late.
 */
function variedHistory(seed: number): BacktestAccountHistory {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const id = `acc-${seed}`;
  const start = Date.parse('2026-01-03T00:00:00Z');
  const events: BacktestEvent[] = [];
  let n = 0;
  const add = (type: string, at: number, payload: Record<string, unknown>) =>
    events.push({
      type,
      occurredAt: new Date(at).toISOString(),
      payload,
      eventId: `e:${n++}`,
      source: 'spec',
    } as BacktestEvent);
  const every = pick([1, 3, 7, 7, 7, 10]);
  const level = 50 + random() * 2000;
  const dropAt = random() < 0.5 ? start + Math.floor(60 + random() * 250) * DAY : Infinity;
  const drop = 0.1 + random() * 0.5;
  for (
    let at = start + Math.floor(random() * DAY);
    at < start + 360 * DAY;
    at += every * DAY + Math.floor(random() * 6) * 3_600_000
  ) {
    if (random() < 0.05) continue;
    const users = Math.round(level * (at >= dropAt ? 1 - drop : 1) * (0.97 + random() * 0.06));
    add('usage_snapshot', at, {
      activeUsers: users,
      keyUserLogins: random() < 0.3 ? null : Math.round(users * 0.3),
      ...(random() < 0.5 ? { sessionMinutes: Math.round(users * 12 * (at >= dropAt ? 0.5 : 1)) } : {}),
    });
  }
  const when = () => start + Math.floor(random() * 355 * DAY);
  const kinds: Array<[number, () => [string, Record<string, unknown>]]> = [
    [20, () => ['reply_time', { hours: Math.round(random() * 200) }]],
    [10, () => ['meeting_held', { meetingKind: 'check_in' }]],
    [6, () => ['meeting_cancelled', { meetingKind: pick(['qbr', 'training', 'check_in']) }]],
    [12, () => ['champion_contact', { channel: 'email' }]],
    [3, () => ['nps', { score: Math.floor(random() * 11) }]],
    [4, () => ['csat', { score: 1 + Math.floor(random() * 5) }]],
    [10, () => ['health_score', { score: Math.floor(15 + random() * 85) }]],
    [2, () => ['csm_flag', { level: pick(['watch', 'at_risk', 'critical', 'cleared']), reason: 'spec' }]],
    [1, () => ['competitor_mention', { competitor: 'Rival', context: 'evaluation' }]],
    [1, () => ['payment_failure', { amountCents: 1000 }]],
    [
      1,
      () => [
        'survey_comment',
        { text: pick(['great', 'We are looking at a competitor']), sentiment: pick(['positive', 'negative']) },
      ],
    ],
    [1, () => ['public_review', { rating: 1 + Math.floor(random() * 5), text: 'meh', site: 'G2' }]],
    [0.5, () => ['sponsor_departure', { reason: 'departed', contactName: 'Ann' }]],
    [0.5, () => ['stakeholder_change', { who: 'CFO', description: 'new budget owner' }]],
    [0.5, () => ['budget_freeze', { scope: 'company' }]],
    [2, () => ['competitor_feature_request', { feature: 'SSO', competitor: 'Rival' }]],
    [0.5, () => ['data_export', { scope: 'full', records: 1000 }]],
    [0.5, () => ['cancellation_inquiry', { channel: 'email' }]],
  ];
  for (const [count, make] of kinds) {
    const times = Math.round(count * (0.5 + random()));
    for (let j = 0; j < times; j++) {
      const [type, payload] = make();
      add(type, when(), payload);
    }
  }
  for (let j = 0; j < 8; j++) {
    const opened = when();
    const ticketId = `t-${j}`;
    add('support_ticket_opened', opened, { ticketId, priority: random() < 0.15 ? 'P1' : pick(['P2', 'P3', 'P4']) });
    if (random() < 0.2) add('support_ticket_reopened', opened + 2 * DAY, { ticketId });
    if (random() < 0.1) add('support_ticket_escalated', opened + 3 * DAY, { ticketId, to: 'engineering' });
    if (random() < 0.8)
      add('support_ticket_resolved', opened + Math.floor(random() * 40 * DAY), {
        ticketId,
        supportCsat: random() < 0.5 ? 1 + Math.floor(random() * 5) : null,
      });
  }
  // Several events at one instant (one batch), and one id recorded twice.
  const batch = when();
  add('champion_contact', batch, { channel: 'call' });
  add('health_score', batch, { score: 30 });
  events.push({ ...events[0]! });
  const decided = pick([null, '2026-06-20T12:00:00.000Z', '2026-11-02T09:00:00.000Z']);
  return {
    account: {
      id,
      segment: pick(SEGMENTS),
      vertical: pick([null, null, 'education', 'retail'] as const),
      arrCents: pick([500_000, 5_000_000, 20_000_000, 60_000_000]),
      timeZone: pick(ZONES),
      ownerCsmId: `csm-${seed % 5}`,
      csmManagerId: null,
    },
    events,
    renewals: [
      {
        renewalDate: pick(['2026-07-01', '2026-12-15']),
        outcome: decided ? pick(['churned', 'renewed']) : null,
        decidedAt: decided,
      },
      ...(random() < 0.4
        ? [{ renewalDate: '2027-03-01', outcome: null, decidedAt: null, launchedAt: '2026-10-01T00:00:00.000Z' }]
        : []),
    ],
    saves: [],
  };
}

const usage20 = resolvePolicy({
  version: 'usage-20',
  earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 20, mid_market: 20, smb: 20 } } } },
});
const lowerDip = resolvePolicy({
  version: 'dip-5',
  earlyWarning: { usage: { slightDip: { dropPct: 5 }, minBaselineSnapshots: 2 } },
});
const quickerRepeats = resolvePolicy({
  version: 'repeat-3',
  earlyWarning: { overload: { repeatSuppressDays: 3 }, engagement: { championSilentDays: 20 } },
});
const shorterLookback = resolvePolicy({ version: 'lookback-3', earlyWarning: { eventLookbackDays: 3 } });
const fewerRules = resolvePolicy({
  version: 'no-health',
  earlyWarning: { rules: { health_low: { enabled: false }, usage_dip: { enabled: false } } },
});

const passes: Array<[string, RetainPolicy[]]> = [
  ['current alone', [DEFAULT_POLICY]],
  ['current and a usage-20 candidate (the rules outside the usage group shared)', [DEFAULT_POLICY, usage20]],
  ['three that share all but the usage section', [DEFAULT_POLICY, usage20, lowerDip]],
  [
    'candidates that share nothing of the rules (other overload and engagement settings, other rules on, another signal state)',
    [DEFAULT_POLICY, quickerRepeats, fewerRules, shorterLookback, usage20],
  ],
];

describe('sameSettings: the same values, however the objects were made', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['the same object', DEFAULT_POLICY.earlyWarning, DEFAULT_POLICY.earlyWarning, true],
    ['a deep copy', DEFAULT_POLICY.earlyWarning, structuredClone(DEFAULT_POLICY.earlyWarning), true],
    ['keys in another order', { a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    ['one number changed deep down', { a: { b: { c: 7 } } }, { a: { b: { c: 8 } } }, false],
    ['a key more (even undefined)', { a: 1 }, { a: 1, b: undefined }, false],
    ['a list one longer', { l: [1, 2] }, { l: [1, 2, 3] }, false],
    ['a list against an object with its keys', { l: [1] }, { l: { 0: 1 } }, false],
    ['null against an object', { a: null }, { a: {} }, false],
    ['0 against -0 (Object.is: not shared, the safe side)', { a: 0 }, { a: -0 }, false],
    ['NaN against NaN', { a: NaN }, { a: NaN }, true],
    ['the text of a number against the number', { a: '1' }, { a: 1 }, false],
  ])('%s: %s', (_, a, b, same) => {
    expect(sameSettings(a, b)).toBe(same);
    expect(sameSettings(b, a)).toBe(same);
  });

  it('a candidate that changes a usage threshold shares the rest; one that changes another setting does not', () => {
    expect(sameSettings(nonUsageRuleSettings(usage20), nonUsageRuleSettings(DEFAULT_POLICY))).toBe(true);
    expect(sameSettings(nonUsageRuleSettings(quickerRepeats), nonUsageRuleSettings(DEFAULT_POLICY))).toBe(false);
  });
});

describe('the settings the pass compares: the rules outside the usage group read nothing else of the policy', () => {
  it('usage20 and lowerDip differ from the default only in earlyWarning.usage; the others not only there', () => {
    const key = (p: RetainPolicy) => JSON.stringify(nonUsageRuleSettings(p));
    expect([usage20, lowerDip].map(key)).toEqual([key(DEFAULT_POLICY), key(DEFAULT_POLICY)]);
    expect([quickerRepeats, fewerRules, shorterLookback].map((p) => key(p) === key(DEFAULT_POLICY))).toEqual([
      false,
      false,
      false,
    ]);
  });

  /** The policy, recording the path of every setting read through it (lists are read whole). */
  function recording(policy: RetainPolicy, read: Set<string>): RetainPolicy {
    const wrap = (value: object, path: string): object =>
      new Proxy(value, {
        get(target, key, receiver) {
          const v: unknown = Reflect.get(target, key, receiver);
          if (typeof key !== 'string') return v;
          const at = path ? `${path}.${key}` : key;
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) return wrap(v, at);
          read.add(at);
          return v;
        },
      });
    return wrap(policy, '') as RetainPolicy;
  }

  it('the varied histories are valid events of the catalogue (replayOrder keeps all but the repeated id)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const history = variedHistory(seed);
      expect(replayOrder(history.events)).toHaveLength(history.events.length - 1);
    }
  });

  it('every rule outside the usage group, evaluated daily over 20 varied histories, reads earlyWarning but its usage section only', () => {
    const read = new Set<string>();
    let triggered = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const history = variedHistory(seed);
      const events = replayOrder(history.events);
      const policy = recording(structuredClone(DEFAULT_POLICY), read);
      const account: EarlyWarningAccount = { ...history.account, renewalDate: '2026-12-15' };
      let state = initialSignalState();
      let i = 0;
      for (let now = Date.parse('2026-01-03T12:00:00Z'); now < Date.parse('2027-01-05T00:00:00Z'); now += DAY) {
        for (; i < events.length && Date.parse(events[i]!.occurredAt) <= now; i++)
          state = applyEvent(state, events[i]!, new Date(Date.parse(events[i]!.occurredAt)), DEFAULT_POLICY);
        for (const r of ALERT_RULES)
          if (
            r.group !== 'usage' &&
            DEFAULT_POLICY.earlyWarning.rules[r.id].enabled &&
            r.evaluate(state, new Date(now), policy, account)
          )
            triggered++;
      }
    }
    expect(triggered).toBeGreaterThan(2000);
    const outside = [...read].filter(
      (path) => !path.startsWith('earlyWarning.') || path.startsWith('earlyWarning.usage.'),
    );
    expect(outside).toEqual([]);
    // The recording does see the reads (the comparison is not of an empty set).
    expect(read.size).toBeGreaterThan(30);
  });
});

describe.each(passes)(
  'replayAccountAlertsUnder gives each policy what its straightforward replay gives (%s)',
  (_, policies) => {
    it('24 varied account-years, up to the end of the year', () => {
      const untilMs = Date.parse('2027-01-01T00:00:00Z');
      let alerts = 0;
      for (let seed = 1; seed <= 24; seed++) {
        const history = variedHistory(seed);
        const fast = replayAccountAlertsUnder(history, policies, untilMs);
        expect(fast).toEqual(policies.map((p) => plainReplay(history, p, untilMs)));
        alerts += fast.flat().length;
      }
      // The histories raise alerts under every policy (the comparison is not only of empty lists).
      expect(alerts).toBeGreaterThan(600 * policies.length);
    });
  },
);
