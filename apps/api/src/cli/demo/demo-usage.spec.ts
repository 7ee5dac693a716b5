import {
  DEFAULT_POLICY,
  applyEvent,
  initialSignalState,
  usageDrop,
  type AccountSignalState,
  type EarlyWarningAccount,
} from '@retain/domain';
import { generateDemoBook } from './demo-book';
import { parseChurnUsageDrops, usageBands, usageEvents, type UsageSeries } from './demo-usage';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const NOW = new Date('2026-12-10T00:00:00.000Z');

describe('--churn-usage-drops', () => {
  it.each([
    [
      '30:0.85,40:0.60',
      [
        { atLeastPct: 30, share: 0.85 },
        { atLeastPct: 40, share: 0.6 },
      ],
    ],
    // Sorted by the drop.
    [
      '40:0.6, 30:0.85',
      [
        { atLeastPct: 30, share: 0.85 },
        { atLeastPct: 40, share: 0.6 },
      ],
    ],
    ['25:1', [{ atLeastPct: 25, share: 1 }]],
  ])('reads %s', (text, expected) => {
    expect(parseChurnUsageDrops(text)).toEqual(expected);
  });

  it.each([
    ['30', 'is not pct:share'],
    ['30:1.5', 'is not pct:share'],
    ['0:0.5', 'a drop from 1% to 95%'],
    ['30:0.5,30:0.4', 'given twice'],
    // More churners drop 40% than 30%: impossible.
    ['30:0.6,40:0.85', 'is more than'],
    ['70:0.5', 'the highest drop is at most 66%'],
  ])('refuses %s', (text, problem) => {
    expect(parseChurnUsageDrops(text)).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe('usageBands', () => {
  it.each([
    // 44 churners: round(0.85 × 44) = 37 reach 30%, round(0.6 × 44) = 26 reach 40% → 7 below, 11 in [30, 40), 26 above.
    [44, [7, 11, 26]],
    // 10: 9 (8.5 rounds up) reach 30%, 6 reach 40% → 1, 3, 6.
    [10, [1, 3, 6]],
    [0, [0, 0, 0]],
  ])('splits %i churners by the default drops into %j', (n, counts) => {
    const bands = usageBands(parseChurnUsageDrops('30:0.85,40:0.60') as never, n);
    expect(bands.map((b) => [b.fromPct, b.toPct])).toEqual([
      [0, 30],
      [30, 40],
      [40, null],
    ]);
    expect(bands.map((b) => b.churners)).toEqual(counts);
  });
});

/** The account's usage state up to `upTo` (included), as its workflow folds the snapshots. */
function stateUpTo(series: UsageSeries, upTo: number): AccountSignalState {
  let state = initialSignalState();
  for (const e of usageEvents(series)) {
    const at = Date.parse(e.occurredAt);
    if (at <= upTo) state = applyEvent(state, e, new Date(at), DEFAULT_POLICY);
  }
  return state;
}

/** The series' snapshot instants. */
const snapshotTimes = (series: UsageSeries) => usageEvents(series).map((e) => Date.parse(e.occurredAt));

describe('the demo book plants usage drops the usage rule finds', () => {
  const b = generateDemoBook({ seed: 11, accounts: 600, now: NOW, policy: DEFAULT_POLICY });
  const accountOf = (id: string): EarlyWarningAccount => {
    const a = b.accounts.find((x) => x.id === id)!;
    return { id, segment: a.segment, vertical: a.vertical ?? null, arrCents: a.arrCents, timeZone: a.timeZone };
  };
  const churned = new Map(
    b.renewals.filter((r) => r.decision?.outcome === 'churned').map((r) => [r.account.id, r.decision!.decidedAt]),
  );
  const settings = (dropPct: number) => ({ dropPct, baselineDays: 60, sustainedDays: 14 });

  it('has a weekly series for every account, none after its churn', () => {
    expect(b.usage.map((u) => u.accountId)).toEqual(b.accounts.map((a) => a.id));
    for (const u of b.usage) {
      const times = snapshotTimes(u);
      // A new logo signed this month has a few weeks only.
      expect(times.length).toBeGreaterThan(0);
      expect(times.slice(1).every((t, i) => t - times[i]! === WEEK)).toBe(true);
      const last = times.at(-1)!;
      expect(last).toBeLessThan(NOW.getTime());
      const decidedAt = churned.get(u.accountId);
      if (decidedAt) expect(last).toBeLessThanOrEqual(Date.parse(decidedAt));
    }
  });

  it('plants round(share × churners) at each threshold, each found at 30% and 40% exactly as planted', () => {
    const truth = b.usageGroundTruth;
    expect(truth.churners).toBe(churned.size);
    expect(truth.churners).toBeGreaterThan(40);
    expect(truth.unplantable).toBe(0);
    const n = truth.churners;
    let at30 = 0;
    let at40 = 0;
    for (const u of b.usage.filter((x) => churned.has(x.accountId))) {
      const decidedAt = Date.parse(churned.get(u.accountId)!);
      const account = accountOf(u.accountId);
      const found = (pct: number) => {
        // The first snapshot at which the rule fires, and its lead before the churn.
        for (const at of snapshotTimes(u)) {
          if (usageDrop(stateUpTo(u, at), 'activeUsers', settings(pct), new Date(at), DEFAULT_POLICY, account))
            return Math.floor((decidedAt - at) / DAY);
        }
        return null;
      };
      const planted = u.planted?.dropPct ?? 0;
      const lead30 = found(30);
      const lead40 = found(40);
      // Found exactly when planted at or above the threshold, warned in time: 30-90 days before the churn.
      expect([u.accountId, lead30 !== null]).toEqual([u.accountId, planted >= 30]);
      expect([u.accountId, lead40 !== null]).toEqual([u.accountId, planted >= 40]);
      for (const lead of [lead30, lead40]) if (lead !== null) expect(lead).toBeGreaterThanOrEqual(30);
      for (const lead of [lead30, lead40]) if (lead !== null) expect(lead).toBeLessThanOrEqual(90);
      if (lead30 !== null) at30 += 1;
      if (lead40 !== null) at40 += 1;
    }
    expect(at30).toBe(Math.round(0.85 * n));
    expect(at40).toBe(Math.round(0.6 * n));
  });

  it('keeps every other account within noise: not even the slight dip (10%) fires', () => {
    const others = b.usage.filter((u) => !churned.has(u.accountId)).slice(0, 60);
    for (const u of others) {
      const account = accountOf(u.accountId);
      for (const at of snapshotTimes(u)) {
        expect(
          usageDrop(stateUpTo(u, at), 'activeUsers', settings(10), new Date(at), DEFAULT_POLICY, account),
        ).toBeNull();
      }
    }
  });
});
