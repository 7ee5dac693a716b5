import {
  againstTargetRange,
  alertMetrics,
  alertOutcome,
  alertSlaBreached,
  periodBounds,
  type AccountOutcomeRow,
  type AlertMetricRow,
  type AlertMetricsPolicy,
  type ChurnRow,
  type WarningRow,
} from './alert-metrics';

const policy: AlertMetricsPolicy = {
  alertPrecisionTarget: { from: 0.7, to: 0.8 },
  alertOutcomeWindowDays: 90,
  alertLeadDays: 30,
};
const now = new Date('2026-07-01T00:00:00Z');
const nowMs = now.getTime();

const SEGMENT: Record<string, string> = {
  A: 'enterprise',
  B: 'smb',
  C: 'enterprise',
  D: 'smb',
  E: 'mid_market',
  F: 'smb',
  G: 'mid_market',
};
const facts = (acc: string) => ({
  accountId: `acc-${acc}`,
  segment: SEGMENT[acc]!,
  ownerCsmId: 'csm-1',
  csmManagerId: 'mgr-1',
});

function alert(
  id: string,
  acc: string,
  ruleId: string,
  severity: string,
  triggeredAt: string,
  respondBy: string,
  handling: { ack?: string; resolved?: string; escalated?: boolean } = {},
): AlertMetricRow {
  return {
    ...facts(acc),
    id,
    ruleId,
    severity,
    triggeredAt,
    respondBy,
    acknowledgedAt: handling.ack ?? null,
    resolvedAt: handling.resolved ?? null,
    escalated: handling.escalated ?? false,
  };
}

// The fixed history of docs/metrics.md, "Alert metrics" (period 2026-01-01 to 2026-06-30, now 2026-07-01).
const alerts: AlertMetricRow[] = [
  // acknowledged after 6 h of 24; acc-A churns 50 days later: real risk
  alert('a1', 'A', 'usage_drop', 'P1', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', {
    ack: '2026-01-10T06:00:00Z',
  }),
  // acknowledged after 36 h of 24 and escalated: a breach; the churn 28 days later: real risk
  alert('a2', 'A', 'usage_drop', 'P1', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', {
    ack: '2026-02-02T12:00:00Z',
    escalated: true,
  }),
  // resolved after 10 h without acknowledgement: answered in time; nothing happened to acc-B in 90 days: no risk
  alert('a3', 'B', 'usage_drop', 'P1', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z', {
    resolved: '2026-01-05T10:00:00Z',
  }),
  // never answered, escalated: a breach; acc-C has a save running since 2026-04-01: real risk
  alert('a4', 'C', 'sponsor_departure', 'P0', '2026-05-01T00:00:00Z', '2026-05-01T04:00:00Z', { escalated: true }),
  // acknowledged after 2 h of 4; its window runs to 2026-09-13, nothing yet: pending
  alert('a5', 'D', 'sponsor_departure', 'P0', '2026-06-15T00:00:00Z', '2026-06-15T04:00:00Z', {
    ack: '2026-06-15T02:00:00Z',
  }),
  // acknowledged after 12 h of 72; acc-E downsized 80 days later: real risk
  alert('a6', 'E', 'usage_drop', 'P2', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', {
    ack: '2026-03-01T12:00:00Z',
  }),
  // never answered, its respond-by passed: a breach; acc-F's save ended before it, its churn 111 days after: no risk
  alert('a7', 'F', 'usage_drop', 'P2', '2026-02-10T00:00:00Z', '2026-02-13T00:00:00Z'),
  // acknowledged after 1 h; acc-F churns 17 days later: real risk
  alert('a8', 'F', 'csm_flag', 'P2', '2026-05-15T00:00:00Z', '2026-05-18T00:00:00Z', { ack: '2026-05-15T01:00:00Z' }),
];

const outcomes: AccountOutcomeRow[] = [
  { accountId: 'acc-A', kind: 'churned', at: '2026-03-01T00:00:00Z', until: null },
  { accountId: 'acc-C', kind: 'save', at: '2026-04-01T00:00:00Z', until: null },
  { accountId: 'acc-E', kind: 'downsized', at: '2026-05-20T00:00:00Z', until: null },
  { accountId: 'acc-F', kind: 'save', at: '2025-12-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
  { accountId: 'acc-F', kind: 'churned', at: '2026-06-01T00:00:00Z', until: null },
];

const churns: ChurnRow[] = [
  { ...facts('A'), renewalId: 'r-A', decidedAt: '2026-03-01T00:00:00Z' },
  { ...facts('F'), renewalId: 'r-F', decidedAt: '2026-06-01T00:00:00Z' },
  { ...facts('G'), renewalId: 'r-G', decidedAt: '2026-04-10T00:00:00Z' },
];

const warning = (a: AlertMetricRow): WarningRow => ({
  accountId: a.accountId,
  ruleId: a.ruleId,
  severity: a.severity,
  triggeredAt: a.triggeredAt,
});
const warnings: WarningRow[] = [
  // before the period, 71 days before acc-A's churn (Dec 20 to Mar 1: 11 + 31 + 28 + 1)
  { accountId: 'acc-A', ruleId: 'usage_drop', severity: 'P1', triggeredAt: '2025-12-20T00:00:00Z' },
  warning(alerts[0]!),
  warning(alerts[1]!),
  // 111 days before acc-F's churn: outside the 90-day window, no warning of it
  warning(alerts[6]!),
  warning(alerts[7]!),
];

const input = { alerts, outcomes, churns, warnings };
const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });

describe('alert metrics (docs/metrics.md, "Alert metrics")', () => {
  it('counts the whole history by hand', () => {
    const { total } = alertMetrics(input, ['ruleId', 'severity'], policy, now);
    expect(total).toEqual({
      alerts: fig(8, 8, 1),
      // a1, a2, a5, a6, a8
      acknowledged: fig(5 / 8, 5, 8),
      // hours 6, 36, 2, 12, 1 sorted 1, 2, 6, 12, 36: the middle one
      medianHoursToAcknowledge: fig(6, 6, 5),
      // a2 and a4 escalated, a7 never answered
      slaBreaches: fig(3 / 8, 3, 8),
      // real: a1, a2, a4, a6, a8; no risk: a3, a7; a5 pending
      precision: fig(5 / 7, 5, 7),
      precisionTarget: { from: 0.7, to: 0.8, band: 'within' },
      pendingOutcome: fig(1, 1, 1),
      // acc-A warned 71 days ahead; acc-F only 17 (a8; a7 is outside the window); acc-G never
      recall: fig(1 / 3, 1, 3),
      // (17 + 71) / 2
      medianLeadDays: fig(44, 44, 2),
    });
  });

  it('groups by rule and severity in key order, each group recalling the churns its alerts warned of', () => {
    const { groups } = alertMetrics(input, ['ruleId', 'severity'], policy, now);
    expect(groups.map(({ key, ...figures }) => [key, figures])).toEqual([
      // in key order: rule, then severity
      [
        { ruleId: 'csm_flag', severity: 'P2' },
        {
          alerts: fig(1, 1, 1),
          acknowledged: fig(1, 1, 1),
          medianHoursToAcknowledge: fig(1, 1, 1),
          slaBreaches: fig(0, 0, 1),
          precision: fig(1, 1, 1),
          precisionTarget: { from: 0.7, to: 0.8, band: 'above' },
          pendingOutcome: fig(0, 0, 1),
          // a8 warned of acc-F's churn 17 days ahead: too late
          recall: fig(0, 0, 3),
          medianLeadDays: fig(17, 17, 1),
        },
      ],
      [
        { ruleId: 'sponsor_departure', severity: 'P0' },
        {
          alerts: fig(2, 2, 1),
          acknowledged: fig(1 / 2, 1, 2),
          medianHoursToAcknowledge: fig(2, 2, 1),
          slaBreaches: fig(1 / 2, 1, 2),
          // a4 real, a5 pending
          precision: fig(1, 1, 1),
          precisionTarget: { from: 0.7, to: 0.8, band: 'above' },
          pendingOutcome: fig(1, 1, 1),
          recall: fig(0, 0, 3),
          medianLeadDays: fig(null, 0, 0),
        },
      ],
      [
        { ruleId: 'usage_drop', severity: 'P1' },
        {
          alerts: fig(3, 3, 1),
          acknowledged: fig(2 / 3, 2, 3),
          // (6 + 36) / 2
          medianHoursToAcknowledge: fig(21, 21, 2),
          slaBreaches: fig(1 / 3, 1, 3),
          precision: fig(2 / 3, 2, 3),
          precisionTarget: { from: 0.7, to: 0.8, band: 'below' },
          pendingOutcome: fig(0, 0, 1),
          // acc-A's first usage_drop P1 was 71 days ahead; every churn counts in the denominator
          recall: fig(1 / 3, 1, 3),
          medianLeadDays: fig(71, 71, 1),
        },
      ],
      [
        { ruleId: 'usage_drop', severity: 'P2' },
        {
          alerts: fig(2, 2, 1),
          acknowledged: fig(1 / 2, 1, 2),
          medianHoursToAcknowledge: fig(12, 12, 1),
          slaBreaches: fig(1 / 2, 1, 2),
          precision: fig(1 / 2, 1, 2),
          precisionTarget: { from: 0.7, to: 0.8, band: 'below' },
          pendingOutcome: fig(0, 0, 1),
          recall: fig(0, 0, 3),
          medianLeadDays: fig(null, 0, 0),
        },
      ],
    ]);
  });

  it("groups by segment: a group's churns are its accounts'", () => {
    const { groups } = alertMetrics(input, ['segment'], policy, now);
    expect(groups.map((g) => [g.key.segment, g.alerts.value, g.precision, g.recall, g.medianLeadDays])).toEqual([
      // a1, a2, a4 all real; acc-A warned 71 days ahead
      ['enterprise', 3, fig(1, 3, 3), fig(1, 1, 1), fig(71, 71, 1)],
      // a6 real; acc-G never warned
      ['mid_market', 1, fig(1, 1, 1), fig(0, 0, 1), fig(null, 0, 0)],
      // a3 and a7 no risk, a5 pending, a8 real; acc-F warned 17 days ahead
      ['smb', 4, fig(1 / 3, 1, 3), fig(0, 0, 1), fig(17, 17, 1)],
    ]);
  });

  // Account and alert dimensions together: a group's churns are its segment's (looked up by the key), its warnings
  // those of its rule among each churn's (found once per churn, read by every group of that churn).
  it.each([
    // a4; acc-A (enterprise) churned, no sponsor_departure before it
    [{ segment: 'enterprise', ruleId: 'sponsor_departure' }, 1, fig(0, 0, 1), fig(null, 0, 0)],
    // a1, a2; acc-A's first usage_drop (Dec 20) 71 days ahead, >= 30: in time
    [{ segment: 'enterprise', ruleId: 'usage_drop' }, 2, fig(1, 1, 1), fig(71, 71, 1)],
    // a6; acc-G (mid_market) never warned
    [{ segment: 'mid_market', ruleId: 'usage_drop' }, 1, fig(0, 0, 1), fig(null, 0, 0)],
    // a8; acc-F (smb) warned 17 days ahead: too late
    [{ segment: 'smb', ruleId: 'csm_flag' }, 1, fig(0, 0, 1), fig(17, 17, 1)],
    // a5; no sponsor_departure on acc-F
    [{ segment: 'smb', ruleId: 'sponsor_departure' }, 1, fig(0, 0, 1), fig(null, 0, 0)],
    // a3, a7; a7 came 111 days before acc-F's churn, outside the 90-day window
    [{ segment: 'smb', ruleId: 'usage_drop' }, 2, fig(0, 0, 1), fig(null, 0, 0)],
  ])('groups by segment and rule: %j has %i alerts, recall %j, lead %j', (key, count, recall, lead) => {
    const { groups } = alertMetrics(input, ['segment', 'ruleId'], policy, now);
    expect(groups.map((g) => g.key)).toEqual([
      { segment: 'enterprise', ruleId: 'sponsor_departure' },
      { segment: 'enterprise', ruleId: 'usage_drop' },
      { segment: 'mid_market', ruleId: 'usage_drop' },
      { segment: 'smb', ruleId: 'csm_flag' },
      { segment: 'smb', ruleId: 'sponsor_departure' },
      { segment: 'smb', ruleId: 'usage_drop' },
    ]);
    const g = groups.find((x) => x.key.segment === key.segment && x.key.ruleId === key.ruleId)!;
    expect([g.alerts.value, g.recall, g.medianLeadDays]).toEqual([count, recall, lead]);
  });

  it('shows a group of churns without alerts, and nothing over nothing', () => {
    const result = alertMetrics(
      { alerts: [], outcomes: [], churns: [churns[2]!], warnings: [] },
      ['segment'],
      policy,
      now,
    );
    expect(result.groups).toEqual([{ key: { segment: 'mid_market' }, ...result.total }]);
    expect(result.total).toMatchObject({
      alerts: fig(0, 0, 1),
      acknowledged: fig(null, 0, 0),
      precision: fig(null, 0, 0),
      precisionTarget: { from: 0.7, to: 0.8, band: null },
      recall: fig(0, 0, 1),
    });
    expect(
      alertMetrics({ alerts: [], outcomes: [], churns: [], warnings: [] }, ['ruleId'], policy, now).groups,
    ).toEqual([]);
    // Without groupBy: one group, keyed {}, equal to the total.
    const whole = alertMetrics(input, [], policy, now);
    expect(whole.groups).toEqual([{ key: {}, ...whole.total }]);
  });

  it.each([
    // [case, breached, handling, respondBy]
    ['acknowledged in time', false, { ack: '2026-06-01T03:00:00Z' }, '2026-06-01T04:00:00Z'],
    ['acknowledged exactly at the deadline', false, { ack: '2026-06-01T04:00:00Z' }, '2026-06-01T04:00:00Z'],
    ['acknowledged late', true, { ack: '2026-06-01T05:00:00Z' }, '2026-06-01T04:00:00Z'],
    ['resolved in time, never acknowledged', false, { resolved: '2026-06-01T01:00:00Z' }, '2026-06-01T04:00:00Z'],
    [
      'acknowledged in time but escalated',
      true,
      { ack: '2026-06-01T03:00:00Z', escalated: true },
      '2026-06-01T04:00:00Z',
    ],
    ['open, its deadline passed', true, {}, '2026-06-30T23:00:00Z'],
    ['open, its deadline still ahead', false, {}, '2026-07-01T01:00:00Z'],
  ])('SLA: %s → breached %p', (_case, breached, handling, respondBy) => {
    const a = alert('x', 'A', 'usage_drop', 'P0', '2026-06-01T00:00:00Z', respondBy, handling);
    expect(alertSlaBreached(a, nowMs)).toBe(breached);
  });

  it.each([
    // [case, result, outcome]; the alert triggered 2026-03-01, its 90-day window ends 2026-05-30
    [
      'a churn on the last day of the window',
      'real_risk',
      { kind: 'churned', at: '2026-05-30T00:00:00Z', until: null },
    ],
    ['a churn a day after the window', 'no_risk', { kind: 'churned', at: '2026-05-31T00:00:00Z', until: null }],
    ['a churn before the alert', 'no_risk', { kind: 'churned', at: '2026-02-28T00:00:00Z', until: null }],
    ['a downsize within the window', 'real_risk', { kind: 'downsized', at: '2026-04-01T00:00:00Z', until: null }],
    ['a save started within the window', 'real_risk', { kind: 'save', at: '2026-05-01T00:00:00Z', until: null }],
    [
      'a save running when it triggered',
      'real_risk',
      { kind: 'save', at: '2026-01-01T00:00:00Z', until: '2026-03-10T00:00:00Z' },
    ],
    [
      'a save that ended before it',
      'no_risk',
      { kind: 'save', at: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
    ],
  ] as const)('precision: %s → %s', (_case, result, o) => {
    const a = { accountId: 'acc-A', triggeredAt: '2026-03-01T00:00:00Z' };
    expect(alertOutcome(a, [{ accountId: 'acc-A', ...o }], 90, nowMs)).toBe(result);
    // Another account's outcome says nothing about this alert.
    expect(alertOutcome(a, [{ accountId: 'acc-B', ...o }], 90, nowMs)).toBe('no_risk');
  });

  it('precision: an alert whose window is still open without an outcome is pending', () => {
    // triggered 2026-06-01: its window ends 2026-08-30, after now
    expect(alertOutcome({ accountId: 'acc-A', triggeredAt: '2026-06-01T00:00:00Z' }, [], 90, nowMs)).toBe('pending');
  });

  it.each([
    [0.69, 'below'],
    [0.7, 'within'],
    [0.8, 'within'],
    [0.81, 'above'],
    [null, null],
  ])('precision %p against 70–80%% is %p', (value, band) => {
    expect(againstTargetRange(value, policy.alertPrecisionTarget)).toBe(band);
  });

  it('states the medians in whole hours and whole days, rounded down', () => {
    const a = (id: string, ack: string) =>
      alert(id, 'A', 'usage_drop', 'P1', '2026-01-10T00:00:00Z', '2026-01-11T00:00:00Z', { ack });
    const { total } = alertMetrics(
      {
        // 1 h 59 min → 1; 3 h 0 min 1 s → 3
        alerts: [a('x1', '2026-01-10T01:59:00Z'), a('x2', '2026-01-10T03:00:01Z')],
        outcomes: [],
        // decided 2026-03-01 12:00: the first alert (Jan 10 00:00) 50.5 days ahead → 50
        churns: [{ ...facts('A'), renewalId: 'r-A', decidedAt: '2026-03-01T12:00:00Z' }],
        warnings: [{ accountId: 'acc-A', ruleId: 'usage_drop', severity: 'P1', triggeredAt: '2026-01-10T00:00:00Z' }],
      },
      [],
      policy,
      now,
    );
    // (1 + 3) / 2
    expect(total.medianHoursToAcknowledge).toEqual(fig(2, 2, 2));
    expect(total.medianLeadDays).toEqual(fig(50, 50, 1));
  });

  it('a period is its dates in UTC, both included', () => {
    expect(periodBounds({ from: '2026-01-01', to: '2026-06-30' })).toEqual({
      startMs: Date.parse('2026-01-01T00:00:00Z'),
      endMs: Date.parse('2026-07-01T00:00:00Z'),
    });
  });
});
