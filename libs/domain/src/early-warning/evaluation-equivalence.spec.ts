import { plantedUsageSeries, seededRandom } from '../policy-lab/planted-usage';
import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy, type UsageDropSettings } from '../policy/retain-policy';
import type { Segment } from '../roles';
import {
  ALERT_RULES,
  evaluateAlertRules,
  usageDrop,
  type EarlyWarningAccount,
  type TriggeredAlert,
  type UsageDrop,
} from './alert-rules';
import type { IntegrationEvent } from './event-catalogue';
import { alertHeldBack, decideAlertOutcome, type AlertBookkeeping } from './alert-decision';
import { daysBetween, daysFromLocalDateAtMs, localDateAtMs } from '../time/local-time';
import { seasonalWindowAt } from './seasonal-windows';
import { applySeverityModifiers, finalSeverity } from './severity-routing';
import { applyEvent, initialSignalState, type AccountSignalState, type UsageMetric } from './signal-state';

/*
 * The back-test's speed work (docs/policy-lab.md, "Speed") changed how the rules compute,
 * not what they give. These specs hold the fast forms to the straightforward ones on
 * seeded, varied histories: usageDrop against its plain form (a filter for every
 * baseline, the seasonal check on every snapshot at every call), evaluateAlertRules
 * (which shares the measurable usage snapshots and the usage drop's result between the
 * rules of one evaluation) against each rule evaluated alone, and finalSeverity against
 * applySeverityModifiers.
 */

const DAY = 86_400_000;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Pacific/Auckland'];
const SEGMENTS: Segment[] = ['enterprise', 'mid_market', 'smb'];
const METRICS: UsageMetric[] = ['activeUsers', 'keyUserLogins', 'coreFeatureUsage', 'sessionMinutes', 'dataCreated'];

/** usageDrop as it was written before the speed work: the reference. */
function plainUsageDrop(
  state: AccountSignalState,
  metric: UsageMetric,
  settings: UsageDropSettings,
  now: Date,
  policy: RetainPolicy,
  account: EarlyWarningAccount,
): UsageDrop | null {
  const u = policy.earlyWarning.usage;
  const nowMs = now.getTime();
  const gap = u.maxSnapshotGapDays * DAY;
  const points: Array<{ at: number; v: number }> = [];
  for (const s of state.usage) {
    const v = s[metric];
    if (v === null) continue;
    const at = Date.parse(s.at);
    if (at <= nowMs && !seasonalWindowAt(new Date(at), 'usage', account, policy)) points.push({ at, v });
  }
  const last = points.at(-1);
  if (!last || nowMs - last.at > gap) return null;
  const suffixMax: number[] = [];
  for (let i = points.length - 1; i >= 0; i--) suffixMax[i] = Math.max(points[i]!.v, suffixMax[i + 1] ?? -Infinity);
  const exact = (n: number) => Math.round(n * 1e6) / 1e6;
  const oneDecimal = (n: number) => Math.round(n * 10) / 10;
  let found: UsageDrop | null = null;
  for (let k = points.length - 1; k >= 0; k--) {
    const start = points[k]!;
    if (k < points.length - 1 && points[k + 1]!.at - start.at > gap) break;
    if (start.at > nowMs - settings.sustainedDays * DAY) continue;
    const base = points.filter((p) => p.at >= start.at - settings.baselineDays * DAY && p.at < start.at);
    if (base.length < u.minBaselineSnapshots) continue;
    const baseline = base.reduce((sum, p) => sum + p.v, 0) / base.length;
    if (!(baseline > 0)) continue;
    const drop = exact(((baseline - suffixMax[k]!) / baseline) * 100);
    if (drop >= settings.dropPct) {
      found = {
        dropPct: oneDecimal(drop),
        baseline: oneDecimal(baseline),
        latest: last.v,
        since: new Date(start.at).toISOString(),
        sustainedDays: oneDecimal((nowMs - start.at) / DAY),
        baselineSnapshots: base.length,
      };
    }
  }
  return found;
}

/** A seeded account history: usage with uneven gaps, drops, missing metrics and fractional values, and other signals. */
function variedCase(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const account: EarlyWarningAccount = {
    id: `acc-${seed}`,
    segment: pick(SEGMENTS),
    vertical: pick([null, 'education', 'retail'] as const),
    arrCents: pick([500_000, 5_000_000, 20_000_000]),
    timeZone: pick(ZONES),
    renewalDate: pick([null, '2026-03-01', '2026-08-20', '2027-06-30']),
  };
  const series = plantedUsageSeries({
    accountId: account.id,
    from: '2025-11-20',
    to: '2026-09-30',
    everyDays: 1 + Math.floor(random() * 9),
    activeUsers: Math.round(20 + random() * 500),
    dropPct: random() * 60,
    dropFrom: pick([null, '2026-01-10', '2026-04-01', '2026-07-15']),
    noisePct: random() * 15,
    random,
  });
  const events: IntegrationEvent[] = [];
  for (const e of series) {
    // Holes longer than the snapshot gap now and then, and a metric missing on some snapshots.
    if (random() < 0.12) continue;
    const users = (e.payload as { activeUsers: number }).activeUsers;
    const instant = Date.parse(e.occurredAt) + Math.floor(random() * 20) * 3_600_000;
    const snapshot: IntegrationEvent = {
      type: 'usage_snapshot',
      occurredAt: new Date(instant).toISOString(),
      payload: {
        activeUsers: users,
        keyUserLogins: random() < 0.2 ? null : Math.round(users * (0.2 + random() * 0.1)),
        coreFeatureUsage: random() < 0.5 ? null : Math.round(users * 3 * random()),
        sessionMinutes: Math.round(users * (10 + random() * 30) * 10) / 10,
        dataCreated: null,
      },
    };
    events.push(snapshot);
  }
  for (let i = 0; i < 25; i++) {
    const occurredAt = new Date(Date.parse('2025-12-01T00:00:00Z') + Math.floor(random() * 280 * DAY)).toISOString();
    events.push(
      pick([
        { type: 'champion_contact', occurredAt, payload: { channel: 'call' } },
        { type: 'health_score', occurredAt, payload: { score: Math.floor(random() * 100) } },
        { type: 'competitor_mention', occurredAt, payload: { competitor: 'Rival', context: 'evaluation' } },
        { type: 'support_ticket_opened', occurredAt, payload: { ticketId: `t${i}`, priority: pick(['P1', 'P3']) } },
        { type: 'nps', occurredAt, payload: { score: Math.floor(random() * 11) } },
      ] as IntegrationEvent[]),
    );
  }
  events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  return { account, events, random };
}

const policies: Array<[string, RetainPolicy]> = [
  ['the default policy', DEFAULT_POLICY],
  [
    'shorter windows, two baseline snapshots, more seasonal windows',
    resolvePolicy({
      earlyWarning: {
        usage: {
          minBaselineSnapshots: 2,
          activeUsers: { baselineDays: 30, sustainedDays: 7, dropPctBySegment: { enterprise: 20, mid_market: 15 } },
          slightDip: { dropPct: 5 },
        },
        overload: {
          seasonal: [
            ...DEFAULT_POLICY.earlyWarning.overload.seasonal,
            { name: 'spring', from: '03-20', to: '04-10', groups: ['usage'], segments: ['smb'], verticals: [] },
          ],
        },
      },
    }),
  ],
  ['no seasonal windows', resolvePolicy({ earlyWarning: { overload: { seasonal: [] } } })],
];

describe.each(policies)('the fast forms give what the straightforward ones give (%s)', (_, policy) => {
  it('usageDrop: every metric, every few days, on 40 seeded histories', () => {
    let drops = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { account, events, random } = variedCase(seed);
      let state = initialSignalState();
      let next = Date.parse('2025-12-01T00:00:00Z');
      for (const e of events) {
        const time = Date.parse(e.occurredAt);
        for (; next < time; next += (1 + Math.floor(random() * 6)) * DAY + Math.floor(random() * DAY)) {
          const now = new Date(next);
          for (const metric of METRICS) {
            const settings: UsageDropSettings = {
              dropPct: Math.floor(random() * 40),
              baselineDays: 10 + Math.floor(random() * 60),
              sustainedDays: Math.floor(random() * 21),
            };
            const fast = usageDrop(state, metric, settings, now, policy, account);
            expect(fast).toEqual(plainUsageDrop(state, metric, settings, now, policy, account));
            if (fast) drops++;
          }
        }
        state = applyEvent(state, e, new Date(time), policy);
      }
    }
    // The histories do hold drops (the comparison is not only of nulls).
    expect(drops).toBeGreaterThan(500);
  });

  it('evaluateAlertRules: each rule evaluated alone, on 20 seeded histories, daily', () => {
    let triggered = 0;
    for (let seed = 100; seed < 120; seed++) {
      const { account, events } = variedCase(seed);
      let state = initialSignalState();
      let i = 0;
      for (let now = Date.parse('2025-12-01T06:00:00Z'); now < Date.parse('2026-10-01T00:00:00Z'); now += DAY) {
        for (; i < events.length && Date.parse(events[i]!.occurredAt) <= now; i++)
          state = applyEvent(state, events[i]!, new Date(Date.parse(events[i]!.occurredAt)), policy);
        const plain = ALERT_RULES.filter((r) => policy.earlyWarning.rules[r.id]?.enabled === true)
          .map((r) => r.evaluate(state, new Date(now), policy, account))
          .filter((a): a is TriggeredAlert => a !== null);
        const fast = evaluateAlertRules(state, new Date(now), policy, account);
        expect(fast).toEqual(plain);
        triggered += fast.length;
      }
    }
    expect(triggered).toBeGreaterThan(1000);
  });
});

describe('finalSeverity is the severity applySeverityModifiers gives', () => {
  const shifted = resolvePolicy({
    earlyWarning: { severity: { segmentShift: { enterprise: 1, smb: -1 }, renewal: { lowerFarRenewal: false } } },
  });
  it.each([
    ['the default policy', DEFAULT_POLICY],
    ['segment shifts, far renewals not lowered', shifted],
  ])('%s: every base severity, segment, ARR band and renewal distance', (_, policy) => {
    const random = seededRandom(7);
    let changed = 0;
    for (let i = 0; i < 600; i++) {
      const now = new Date(Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 365 * DAY));
      const account: EarlyWarningAccount = {
        id: `a${i}`,
        segment: SEGMENTS[i % 3]!,
        arrCents: [100_000, 999_999, 1_000_000, 5_000_000, 9_999_999, 10_000_000, 30_000_000][i % 7]!,
        timeZone: ZONES[i % ZONES.length]!,
        renewalDate:
          i % 5 === 0
            ? null
            : new Date(now.getTime() + Math.floor(random() * 400 - 30) * DAY).toISOString().slice(0, 10),
      };
      for (const base of ['P0', 'P1', 'P2', 'P3'] as const) {
        const full = applySeverityModifiers(base, account, now, policy);
        expect(finalSeverity(base, account, now, policy)).toBe(full.severity);
        if (full.severity !== base) changed++;
      }
    }
    expect(changed).toBeGreaterThan(500);
  });
});

describe('alertHeldBack holds back exactly the alerts decideAlertOutcome does not raise', () => {
  const quick = resolvePolicy({ earlyWarning: { overload: { repeatSuppressDays: 3, acknowledgeSuppressDays: 10 } } });
  it.each([
    ['the default policy', DEFAULT_POLICY],
    ['other repeat and acknowledgement windows', quick],
  ])('%s: 3,000 seeded alerts, books and windows', (_, policy) => {
    const random = seededRandom(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const rules = ALERT_RULES.filter((r) =>
      ['usage_drop', 'champion_silent', 'health_low', 'p1_ticket'].includes(r.id),
    );
    const outcomes = { raised: 0, heldBack: 0 };
    for (let i = 0; i < 3000; i++) {
      const rule = pick(rules);
      // Around the year's end (the seasonal usage window) and elsewhere.
      const at = Date.parse(pick(['2025-12-20T10:00:00Z', '2026-03-10T10:00:00Z', '2026-07-01T23:30:00Z']));
      const now = new Date(at + Math.floor(random() * 10 * DAY));
      const account: EarlyWarningAccount = {
        id: 'a',
        segment: pick(SEGMENTS),
        vertical: pick([null, 'education'] as const),
        arrCents: pick([500_000, 20_000_000]),
        timeZone: pick(ZONES),
        renewalDate: pick([null, '2026-01-20', '2026-09-01']),
      };
      const triggered: TriggeredAlert = {
        ruleId: rule.id,
        group: rule.group,
        accountId: 'a',
        baseSeverity: pick(['P1', 'P2', 'P3'] as const),
        triggeredAt: now.toISOString(),
        summary: '',
        measure: { value: pick([10, 20, 40, 60]), unit: 'percent', worseWhen: 'higher' },
        details: {},
      };
      const notifiedAt = new Date(now.getTime() - Math.floor(random() * 12 * DAY)).toISOString();
      const book: AlertBookkeeping = {
        alertSeq: 3,
        lastByRule:
          random() < 0.2
            ? {}
            : {
                [rule.id]: {
                  ruleId: rule.id,
                  severity: pick(['P0', 'P1', 'P2', 'P3'] as const),
                  measure: { value: pick([10, 20, 40, 60]), unit: 'percent', worseWhen: 'higher' },
                  notifiedAt,
                  acknowledgedAt: random() < 0.3 ? notifiedAt : null,
                },
              },
        clusters: {},
        suppressedCount: 0,
        suppressions:
          random() < 0.2
            ? [{ from: now.toISOString().slice(0, 10), to: now.toISOString().slice(0, 10), groups: [], reason: 'r' }]
            : [],
      };
      const decided = decideAlertOutcome(book, 'a', triggered, account, now, policy);
      expect(alertHeldBack(book, triggered, account, now, policy)).toBe(!decided.raised);
      outcomes[decided.raised ? 'raised' : 'heldBack']++;
    }
    // Both ways, often (the comparison is not of one answer).
    expect(Math.min(outcomes.raised, outcomes.heldBack)).toBeGreaterThan(500);
  });
});

describe('daysFromLocalDateAtMs is daysBetween of the local date', () => {
  const plain = (ms: number, zone: string, to: string) => {
    try {
      return daysBetween(localDateAtMs(ms, zone), to);
    } catch (error) {
      return (error as Error).message;
    }
  };
  const fast = (ms: number, zone: string, to: string) => {
    try {
      return daysFromLocalDateAtMs(ms, zone, to);
    } catch (error) {
      return (error as Error).message;
    }
  };
  it('5,000 seeded instants from 1990 to 2040 in every zone, around midnight and the DST changes', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 5000; i++) {
      const ms = Date.parse('1990-01-01T00:00:00Z') + Math.floor(random() * 50 * 365 * DAY);
      const zone = ZONES[i % ZONES.length]!;
      const to = new Date(ms + Math.floor(random() * 800 - 400) * DAY).toISOString().slice(0, 10);
      expect(fast(ms, zone, to)).toBe(plain(ms, zone, to));
      // An hour either side of a local midnight.
      const edge = Math.floor(ms / DAY) * DAY + Math.floor(random() * 4 - 2) * 1_800_000;
      expect(fast(edge, zone, to)).toBe(plain(edge, zone, to));
    }
  });
  it.each<[string, number, string, string]>([
    ['the first instant of year 1000 (the fast range starts)', Date.UTC(1000, 0, 1), 'UTC', '1000-01-31'],
    ['the last of year 999 (read through the text)', Date.UTC(1000, 0, 1) - 1, 'UTC', '1000-01-31'],
    ['year 50 (a two-digit year for Date.UTC)', Date.parse('0050-06-01T00:00:00Z'), 'UTC', '2026-01-01'],
    ['the end of year 9999 in Tokyo (year 10000: no ISO date)', Date.UTC(9999, 11, 31, 20), 'Asia/Tokyo', '9999-12-31'],
    ['a fractional millisecond', Date.UTC(2026, 2, 8, 6, 59, 59, 999) + 0.5, 'America/New_York', '2026-03-09'],
    ['a renewal date that is no date', Date.UTC(2026, 0, 1), 'UTC', '2026-02-30'],
    ['an invalid instant', NaN, 'UTC', '2026-02-01'],
  ])('%s', (_, ms, zone, to) => {
    expect(fast(ms, zone, to)).toBe(plain(ms, zone, to));
  });
});
