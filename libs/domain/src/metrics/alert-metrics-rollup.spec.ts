import {
  alertMetrics,
  alertOutcome,
  type AccountOutcomeRow,
  type AlertMetricRow,
  type AlertMetricsInput,
  type AlertMetricsPolicy,
  type ChurnRow,
} from './alert-metrics';
import {
  alertMetricsFromRollup,
  alertPendingSplit,
  bucketRowsOf,
  signedRollupBucketRanges,
  type AlertRollupDimension,
  type AlertRollupInput,
  type ChurnRollupRow,
} from './alert-metrics-rollup';
import { histogramOf, wholeUnits } from './rollup';

const policy: AlertMetricsPolicy = {
  alertPrecisionTarget: { from: 0.7, to: 0.8 },
  alertOutcomeWindowDays: 90,
  alertLeadDays: 30,
};
const now = new Date('2026-07-01T00:00:00Z');
const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Test-only: the rollup rows a plain history sums to, one row per alert and per churn and
 * (rule, severity) of its warnings, as the database's triggers would add them (and the reads
 * finish them with `now`): the fold sums rows of the same key itself.
 */
function rollupOf(input: AlertMetricsInput, windowDays: number, at: Date): AlertRollupInput {
  const nowMs = at.getTime();
  const alerts = input.alerts.map((a) => {
    const answered = [a.acknowledgedAt, a.resolvedAt].filter((x): x is string => x !== null).map(Date.parse);
    const outcome = alertOutcome(a, input.outcomes, windowDays, nowMs);
    return {
      key: { ruleId: a.ruleId, severity: a.severity, segment: a.segment },
      open: !a.escalated && answered.length === 0,
      outcome,
      respondBy: Date.parse(a.respondBy),
      row: {
        ruleId: a.ruleId,
        severity: a.severity,
        segment: a.segment,
        alerts: 1,
        acknowledged: a.acknowledgedAt ? 1 : 0,
        hoursToAcknowledge: a.acknowledgedAt
          ? histogramOf([wholeUnits(Date.parse(a.acknowledgedAt) - Date.parse(a.triggeredAt), HOUR)])
          : {},
        slaFinal: a.escalated || (answered.length > 0 && Math.min(...answered) > Date.parse(a.respondBy)) ? 1 : 0,
        slaOpen: !a.escalated && answered.length === 0 ? 1 : 0,
        realRisk: outcome === 'real_risk' ? 1 : 0,
      },
    };
  });
  const churns: ChurnRollupRow[] = [];
  for (const c of input.churns) {
    const decided = Date.parse(c.decidedAt);
    const warnings = input.warnings.filter((w) => {
      const t = Date.parse(w.triggeredAt);
      return w.accountId === c.accountId && t <= decided && t >= decided - windowDays * DAY;
    });
    const keys = new Map<string, { ruleId: string | null; severity: string | null; first: number }>();
    keys.set('[null,null]', { ruleId: null, severity: null, first: Infinity });
    for (const w of warnings)
      for (const [ruleId, severity] of [
        [null, null],
        [w.ruleId, null],
        [null, w.severity],
        [w.ruleId, w.severity],
      ] as const) {
        const id = JSON.stringify([ruleId, severity]);
        const k = keys.get(id) ?? { ruleId, severity, first: Infinity };
        k.first = Math.min(k.first, Date.parse(w.triggeredAt));
        keys.set(id, k);
      }
    for (const k of keys.values())
      churns.push({
        segment: c.segment,
        ruleId: k.ruleId,
        severity: k.severity,
        churns: 1,
        leadDays: k.first === Infinity ? {} : histogramOf([wholeUnits(decided - k.first, DAY)]),
      });
  }
  return {
    alerts: alerts.map((a) => a.row),
    openNotDue: alerts.filter((a) => a.open && a.respondBy >= nowMs).map((a) => ({ ...a.key, count: 1 })),
    pending: alerts.filter((a) => a.outcome === 'pending').map((a) => ({ ...a.key, count: 1 })),
    churns,
  };
}

function alert(
  id: string,
  acc: string,
  segment: string,
  ruleId: string,
  severity: string,
  triggeredAt: string,
  respondBy: string,
  handling: { ack?: string; resolved?: string; escalated?: boolean } = {},
): AlertMetricRow {
  return {
    id,
    accountId: `acc-${acc}`,
    segment,
    ownerCsmId: 'csm-1',
    csmManagerId: 'mgr-1',
    ruleId,
    severity,
    triggeredAt,
    respondBy,
    acknowledgedAt: handling.ack ?? null,
    resolvedAt: handling.resolved ?? null,
    escalated: handling.escalated ?? false,
  };
}
const churn = (acc: string, segment: string, decidedAt: string): ChurnRow => ({
  accountId: `acc-${acc}`,
  segment,
  ownerCsmId: 'csm-1',
  csmManagerId: 'mgr-1',
  renewalId: `r-${acc}`,
  decidedAt,
});

// A small history (period 2026-01-01 to 2026-06-30, now 2026-07-01, window 90 days).
const alerts: AlertMetricRow[] = [
  // acknowledged after 5 h 30 min (→ 5 whole hours) of 24: in time; acc-A churns Mar 1: real risk
  alert('a1', 'A', 'ent', 'usage_drop', 'P1', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', {
    ack: '2026-01-10T05:30:00Z',
  }),
  // acknowledged after 30 h (→ 30), past its respond-by: a breach; real risk (acc-A's churn 18 days later)
  alert('a2', 'A', 'ent', 'sponsor_departure', 'P0', '2026-02-11T00:00:00Z', '2026-02-11T04:00:00Z', {
    ack: '2026-02-12T06:00:00Z',
  }),
  // open, respond-by passed: a breach; nothing on acc-B: no risk
  alert('a3', 'B', 'smb', 'usage_drop', 'P1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'),
  // open, respond-by 2026-07-03 still ahead: no breach yet; triggered June 20: pending
  alert('a4', 'B', 'smb', 'usage_drop', 'P3', '2026-06-20T00:00:00Z', '2026-07-03T00:00:00Z'),
  // escalated: a breach; acc-C's save started 2026-05-01: real risk
  alert('a5', 'C', 'smb', 'csm_flag', 'P2', '2026-04-20T00:00:00Z', '2026-04-23T00:00:00Z', { escalated: true }),
  // resolved after 10 h, in time; triggered April 2, 12:00: its window ends July 1, 12:00, after now: pending
  alert('a6', 'B', 'smb', 'usage_drop', 'P1', '2026-04-02T12:00:00Z', '2026-04-03T12:00:00Z', {
    resolved: '2026-04-02T22:00:00Z',
  }),
];
const outcomes: AccountOutcomeRow[] = [
  { accountId: 'acc-A', kind: 'churned', at: '2026-03-01T00:00:00Z', until: null },
  { accountId: 'acc-C', kind: 'save', at: '2026-05-01T00:00:00Z', until: null },
];
// acc-A: churned Mar 1 (ent); acc-D churned May 5 (mid) without alerts.
const churns: ChurnRow[] = [churn('A', 'ent', '2026-03-01T00:00:00Z'), churn('D', 'mid', '2026-05-05T00:00:00Z')];
const warnings = [
  // before the period: 80 days before acc-A's churn
  { accountId: 'acc-A', ruleId: 'usage_drop', severity: 'P2', triggeredAt: '2025-12-11T00:00:00Z' },
  ...alerts.slice(0, 2).map((a) => ({
    accountId: a.accountId,
    ruleId: a.ruleId,
    severity: a.severity,
    triggeredAt: a.triggeredAt,
  })),
];
const plain: AlertMetricsInput = { alerts, outcomes, churns, warnings };

describe('alert metrics from rollups (docs/metrics.md, "Rollups")', () => {
  it('counts the small history by hand', () => {
    const { total, groups } = alertMetricsFromRollup(rollupOf(plain, 90, now), [], policy);
    expect(total).toEqual({
      alerts: fig(6, 6, 1),
      acknowledged: fig(2 / 6, 2, 6),
      // 5 and 30 hours: (5 + 30) / 2
      medianHoursToAcknowledge: fig(17.5, 17.5, 2),
      // a2 late, a3 open past its respond-by, a5 escalated (a4 open, not yet due)
      slaBreaches: fig(3 / 6, 3, 6),
      // real: a1, a2, a5; no risk: a3; pending: a4, a6
      precision: fig(3 / 4, 3, 4),
      precisionTarget: { from: 0.7, to: 0.8, band: 'within' },
      pendingOutcome: fig(2, 2, 1),
      // acc-A warned 80 days ahead (Dec 11); acc-D never
      recall: fig(1 / 2, 1, 2),
      medianLeadDays: fig(80, 80, 1),
    });
    expect(groups).toEqual([{ key: {}, ...total }]);
  });

  it.each([
    // [groupBy, key, alerts, recall, medianLeadDays]
    // a1, a3, a4, a6; acc-A's first usage_drop: Dec 11 (P2), 80 days; every churn in the denominator
    [['ruleId'], { ruleId: 'usage_drop' }, 4, fig(1 / 2, 1, 2), fig(80, 80, 1)],
    // acc-A's first sponsor_departure: Feb 11, 18 days: too late
    [['ruleId'], { ruleId: 'sponsor_departure' }, 1, fig(0, 0, 2), fig(18, 18, 1)],
    // acc-A's first P1: Jan 10, 50 days
    [['severity'], { severity: 'P1' }, 3, fig(1 / 2, 1, 2), fig(50, 50, 1)],
    // acc-A's churn in ent, warned by usage_drop P1 50 days ahead
    [
      ['segment', 'ruleId', 'severity'],
      { segment: 'ent', ruleId: 'usage_drop', severity: 'P1' },
      1,
      fig(1, 1, 1),
      fig(50, 50, 1),
    ],
    // acc-D's churn is mid's, with no alert in the period: a group of churns alone
    [['segment'], { segment: 'mid' }, 0, fig(0, 0, 1), fig(null, 0, 0)],
    // smb: no churn
    [['segment'], { segment: 'smb' }, 4, fig(null, 0, 0), fig(null, 0, 0)],
  ] as const)('by %j: %j has %i alerts, recall %j, lead %j', (groupBy, key, count, recall, lead) => {
    const { groups } = alertMetricsFromRollup(rollupOf(plain, 90, now), groupBy, policy);
    const g = groups.find((x) => Object.entries(key).every(([d, v]) => x.key[d] === v))!;
    expect([g.alerts.value, g.recall, g.medianLeadDays]).toEqual([count, recall, lead]);
  });

  const groupBys: AlertRollupDimension[][] = [
    [],
    ['ruleId'],
    ['severity'],
    ['segment'],
    ['ruleId', 'severity'],
    ['segment', 'ruleId'],
    ['severity', 'segment'],
    ['segment', 'ruleId', 'severity'],
  ];
  it.each(groupBys)('equals the plain computation of the same history, by %j', (...groupBy) => {
    expect(alertMetricsFromRollup(rollupOf(plain, 90, now), groupBy, policy)).toEqual(
      alertMetrics(plain, groupBy, policy, now),
    );
  });

  it('equals the plain computation at another now and a shorter lead', () => {
    const later = new Date('2026-09-15T00:00:00Z');
    const p = { ...policy, alertLeadDays: 18 };
    for (const groupBy of groupBys)
      expect(alertMetricsFromRollup(rollupOf(plain, 90, later), groupBy, p)).toEqual(
        alertMetrics(plain, groupBy, p, later),
      );
  });

  it('equals the plain computation over nothing', () => {
    const none: AlertMetricsInput = { alerts: [], outcomes: [], churns: [], warnings: [] };
    for (const groupBy of groupBys)
      expect(alertMetricsFromRollup(rollupOf(none, 90, now), groupBy, policy)).toEqual(
        alertMetrics(none, groupBy, policy, now),
      );
  });

  it.each([
    // [case, period, now, after, boundary]; window 90 days
    // now 2026-07-01 00:00 → boundary 2026-04-02 00:00: that day read raw, the days after from buckets
    [
      'the boundary in the period',
      { from: '2026-01-01', to: '2026-06-30' },
      '2026-07-01T00:00:00Z',
      { from: '2026-04-03', to: '2026-06-30' },
      { day: '2026-04-02', afterInstant: '2026-04-02T00:00:00.000Z' },
    ],
    // now 2026-07-01 15:30 → boundary 2026-04-02 15:30
    [
      'a boundary within a day',
      { from: '2026-04-02', to: '2026-04-02' },
      '2026-07-01T15:30:00Z',
      null,
      { day: '2026-04-02', afterInstant: '2026-04-02T15:30:00.000Z' },
    ],
    // the whole period before the boundary day: nothing pending
    ['a period long closed', { from: '2025-01-01', to: '2025-12-31' }, '2026-07-01T00:00:00Z', null, null],
    // the whole period after it: every day from buckets
    [
      'a period after the boundary',
      { from: '2026-05-01', to: '2026-07-31' },
      '2026-07-01T00:00:00Z',
      { from: '2026-05-01', to: '2026-07-31' },
      null,
    ],
  ])('pending outcomes: %s', (_case, period, at, after, boundary) => {
    expect(alertPendingSplit(period, new Date(at), 90)).toEqual({ after, boundary });
  });

  it.each([
    // [case, period, buckets]
    [
      // Dec 2-31 is the month of December less Dec 1; Dec 1 2026 one day
      'a year to today',
      { from: '2025-12-02', to: '2026-12-01' },
      [
        { bucket: 'month', from: '2025-12-01', to: '2025-12-01', sign: 1 },
        { bucket: 'day', from: '2025-12-01', to: '2025-12-01', sign: -1 },
        { bucket: 'month', from: '2026-01-01', to: '2026-11-01', sign: 1 },
        { bucket: 'day', from: '2026-12-01', to: '2026-12-01', sign: 1 },
      ],
    ],
    // 20 of January's 31 days: the month less its other 11 (12 rows < 20); Feb 1-10: ten days
    [
      'across two partial months',
      { from: '2026-01-12', to: '2026-02-10' },
      [
        { bucket: 'month', from: '2026-01-01', to: '2026-01-01', sign: 1 },
        { bucket: 'day', from: '2026-01-01', to: '2026-01-11', sign: -1 },
        { bucket: 'day', from: '2026-02-01', to: '2026-02-10', sign: 1 },
      ],
    ],
    // Mar 2-30: the month less Mar 1 and Mar 31 (3 rows)
    [
      'inside one month',
      { from: '2026-03-02', to: '2026-03-30' },
      [
        { bucket: 'month', from: '2026-03-01', to: '2026-03-01', sign: 1 },
        { bucket: 'day', from: '2026-03-01', to: '2026-03-01', sign: -1 },
        { bucket: 'day', from: '2026-03-31', to: '2026-03-31', sign: -1 },
      ],
    ],
    [
      'one day',
      { from: '2026-04-02', to: '2026-04-02' },
      [{ bucket: 'day', from: '2026-04-02', to: '2026-04-02', sign: 1 }],
    ],
    [
      'whole months',
      { from: '2026-01-01', to: '2026-06-30' },
      [{ bucket: 'month', from: '2026-01-01', to: '2026-06-01', sign: 1 }],
    ],
  ])('signed buckets: %s', (_case, period, buckets) => {
    expect(signedRollupBucketRanges(period)).toEqual(buckets);
  });

  // With year buckets (the alert rollups): rows per key counted by hand.
  it.each([
    [
      // 2025-12-04..2026-12-03: 2026 less Dec 4-31 (the month less Dec 1-3: 1 + 3 rows), and
      // Dec 2025 less Dec 1-3 (1 + 3 rows): 9 rows against 1 + 3 + 11 + 3 = 18 without years.
      '12 months to today',
      { from: '2025-12-04', to: '2026-12-03' },
      [
        { bucket: 'month', from: '2025-12-01', to: '2025-12-01', sign: 1 },
        { bucket: 'day', from: '2025-12-01', to: '2025-12-03', sign: -1 },
        { bucket: 'year', from: '2026-01-01', to: '2026-01-01', sign: 1 },
        { bucket: 'month', from: '2026-12-01', to: '2026-12-01', sign: -1 },
        { bucket: 'day', from: '2026-12-01', to: '2026-12-03', sign: 1 },
      ],
      9,
    ],
    [
      'whole years in a row',
      { from: '2024-01-01', to: '2026-12-31' },
      [{ bucket: 'year', from: '2024-01-01', to: '2026-01-01', sign: 1 }],
      3,
    ],
    [
      // Jan-Apr: four months are fewer rows than the year less May-Dec (1 + 8)
      'the first months of a year',
      { from: '2026-01-01', to: '2026-04-30' },
      [{ bucket: 'month', from: '2026-01-01', to: '2026-04-01', sign: 1 }],
      4,
    ],
  ])('signed buckets with years: %s', (_case, period, buckets, rows) => {
    const ranges = signedRollupBucketRanges(period, { years: true });
    expect(ranges).toEqual(buckets);
    expect(bucketRowsOf(ranges)).toBe(rows);
  });

  /** Each day's count in the signed sum of `ranges` (a year or month bucket counts each of its days). */
  function dayCounts(ranges: ReturnType<typeof signedRollupBucketRanges>): Map<string, number> {
    const counts = new Map<string, number>();
    const add = (from: string, to: string, sign: number) => {
      for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) {
        const d = new Date(t).toISOString().slice(0, 10);
        counts.set(d, (counts.get(d) ?? 0) + sign);
      }
    };
    for (const r of ranges)
      for (let start = r.from; start <= r.to;) {
        const y = Number(start.slice(0, 4));
        const m = Number(start.slice(5, 7));
        if (r.bucket === 'day') {
          add(start, start, r.sign);
          start = new Date(Date.parse(`${start}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
        } else if (r.bucket === 'month') {
          const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
          add(start, new Date(Date.parse(`${next}T00:00:00Z`) - DAY).toISOString().slice(0, 10), r.sign);
          start = next;
        } else {
          add(start, `${y}-12-31`, r.sign);
          start = `${y + 1}-01-01`;
        }
      }
    for (const [d, n] of [...counts]) if (n === 0) counts.delete(d);
    return counts;
  }

  it('holds each day of a period exactly once, with or without years, and with years in no more rows', () => {
    // Periods from a fixed pseudo-random walk (a linear congruential generator): no clock, no flakiness.
    let seed = 17;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const base = Date.parse('2023-01-01T00:00:00Z');
    for (let i = 0; i < 400; i++) {
      const from = new Date(base + next(1400) * DAY).toISOString().slice(0, 10);
      const to = new Date(Date.parse(`${from}T00:00:00Z`) + next(900) * DAY).toISOString().slice(0, 10);
      const want = dayCounts([{ bucket: 'day', from, to, sign: 1 }]);
      const plain = signedRollupBucketRanges({ from, to });
      const years = signedRollupBucketRanges({ from, to }, { years: true });
      expect(dayCounts(plain)).toEqual(want);
      expect(dayCounts(years)).toEqual(want);
      expect(bucketRowsOf(years)).toBeLessThanOrEqual(bucketRowsOf(plain));
    }
  });
});
