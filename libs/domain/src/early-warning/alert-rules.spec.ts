import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import {
  ALERT_RULES,
  alertRuleById,
  alertRuleTemplate,
  evaluateAlertRules,
  healthBand,
  hasWorsened,
  type AlertRuleId,
  type EarlyWarningAccount,
} from './alert-rules';
import type { IntegrationEvent, IntegrationEventPayloads, IntegrationEventType } from './event-catalogue';
import { applyEvent, initialSignalState, type AccountSignalState } from './signal-state';

const DAY = 86_400_000;
const T0 = Date.parse('2027-03-01T00:00:00Z');
const at = (d: number) => new Date(T0 + d * DAY);
const MS = 1;

type Ev = { [K in IntegrationEventType]: [number, K, IntegrationEventPayloads[K]] }[IntegrationEventType];

function build(events: Ev[], policy: RetainPolicy = DEFAULT_POLICY): AccountSignalState {
  return [...events]
    .sort((a, b) => a[0] - b[0])
    .reduce(
      (s, [d, type, payload]) =>
        applyEvent(s, { type, occurredAt: at(d).toISOString(), payload } as IntegrationEvent, at(d), policy),
      initialSignalState(),
    );
}

const account = (over: Partial<EarlyWarningAccount> = {}): EarlyWarningAccount => ({
  id: 'acc-1',
  segment: 'mid_market',
  arrCents: 5_000_000,
  renewalDate: null,
  timeZone: 'UTC',
  ...over,
});

function run(
  id: AlertRuleId,
  state: AccountSignalState,
  now: Date,
  acc = account(),
  policy: RetainPolicy = DEFAULT_POLICY,
) {
  return alertRuleById(id).evaluate(state, now, policy, acc);
}

/** Daily snapshots: `before` for days [0, from), `after` from day `from` to day `to`. */
function usage(
  before: number,
  after: number,
  from: number,
  to: number,
  metric: 'activeUsers' | 'keyUserLogins' | 'coreFeatureUsage' | 'sessionMinutes' | 'dataCreated' = 'activeUsers',
): Ev[] {
  const out: Ev[] = [];
  for (let d = 0; d <= to; d++) {
    const v = d < from ? before : after;
    out.push([d, 'usage_snapshot', metric === 'activeUsers' ? { activeUsers: v } : { activeUsers: 100, [metric]: v }]);
  }
  return out;
}

describe('catalogue', () => {
  it('has one rule per policy entry, and the §5.2 template for each', () => {
    expect(ALERT_RULES.map((r) => r.id).sort()).toEqual(Object.keys(DEFAULT_POLICY.earlyWarning.rules).sort());
    for (const r of ALERT_RULES) {
      const t = alertRuleTemplate(r, DEFAULT_POLICY);
      for (const v of [
        t.name,
        t.description,
        t.triggerCondition,
        t.dataSource,
        t.threshold,
        t.assigneeRole,
        t.escalation,
        t.responseSla,
      ])
        expect(v).toBeTruthy();
      expect(t.firstActions.length).toBeGreaterThan(0);
    }
  });

  it('fills the worked usage-drop and sponsor-departure templates from the policy', () => {
    expect(alertRuleTemplate(alertRuleById('usage_drop'), DEFAULT_POLICY)).toMatchObject({
      severity: 'P1',
      assigneeRole: 'Account CSM',
      threshold: 'enterprise 35%, mid-market 30%, SMB 25% drop',
      escalation: 'csm manager if not handled within 48 h, then director, then vp every further 24 h',
      responseSla: '24 h',
    });
    expect(alertRuleTemplate(alertRuleById('sponsor_departure'), DEFAULT_POLICY)).toMatchObject({
      severity: 'P0',
      assigneeRole: 'Account CSM + CSM manager + sales rep',
      responseSla: '4 h',
    });
    // The response playbook's timed steps (§5.6), as the policy sets them; none for a rule without one.
    expect(alertRuleTemplate(alertRuleById('ticket_surge'), DEFAULT_POLICY).playbook.map((s) => s.dueHours)).toEqual([
      24, 48, 72,
    ]);
    expect(alertRuleTemplate(alertRuleById('payment_failure'), DEFAULT_POLICY).playbook).toEqual([]);
  });

  it('skips disabled rules', () => {
    const state = build([[0, 'payment_failure', { amountCents: 100 }]]);
    expect(evaluateAlertRules(state, at(1), DEFAULT_POLICY, account()).map((a) => a.ruleId)).toEqual([
      'payment_failure',
    ]);
    const off = resolvePolicy({ earlyWarning: { rules: { payment_failure: { enabled: false } } } });
    expect(evaluateAlertRules(state, at(1), off, account())).toEqual([]);
  });
});

describe('usage drop (active users vs the 60-day baseline, sustained 14 days)', () => {
  const drop30 = build(usage(100, 70, 60, 80));

  it('alerts once the drop has held 14 days, not a millisecond before', () => {
    expect(run('usage_drop', drop30, new Date(at(74).getTime() - MS))).toBeNull();
    expect(run('usage_drop', drop30, at(74))).toMatchObject({
      baseSeverity: 'P1',
      group: 'usage',
      measure: { value: 30, unit: 'percent' },
      details: { baseline: 100, latest: 70, sustainedDays: 14, since: at(60).toISOString() },
    });
    expect(run('usage_drop', drop30, at(80))?.details.sustainedDays).toBe(20);
  });

  it('uses the mid-market 30%: 29% is not enough, 30% and 31% are', () => {
    expect(run('usage_drop', build(usage(100, 71, 60, 80)), at(80))).toBeNull();
    expect(run('usage_drop', drop30, at(80))).not.toBeNull();
    expect(run('usage_drop', build(usage(100, 69, 60, 80)), at(80))?.measure.value).toBe(31);
  });

  it('uses the segment thresholds: enterprise 35%, SMB 25%', () => {
    const ent = account({ segment: 'enterprise' });
    expect(run('usage_drop', build(usage(100, 66, 60, 80)), at(80), ent)).toBeNull();
    expect(run('usage_drop', build(usage(100, 65, 60, 80)), at(80), ent)?.details.thresholdPct).toBe(35);
    const smb = account({ segment: 'smb' });
    expect(run('usage_drop', build(usage(100, 76, 60, 80)), at(80), smb)).toBeNull();
    expect(run('usage_drop', build(usage(100, 75, 60, 80)), at(80), smb)?.details.thresholdPct).toBe(25);
  });

  it('needs every snapshot low: a rebound restarts the clock', () => {
    // Down 50% from day 60, back to normal on day 70 only: the run restarts on day 71
    // (its baseline, the 60 days before day 71, now holds the first low days: 91.7).
    const events = usage(100, 50, 60, 90).map((e): Ev =>
      e[0] === 70 ? [70, 'usage_snapshot', { activeUsers: 100 }] : e,
    );
    const s = build(events);
    expect(run('usage_drop', s, at(84))).toBeNull();
    expect(run('usage_drop', s, at(85))).toMatchObject({ details: { since: at(71).toISOString(), baseline: 91.7 } });
  });

  it('needs fresh data, a baseline, and no hole in the run', () => {
    // The latest snapshot is day 80: 7 days later it still counts, a moment after it is stale.
    expect(run('usage_drop', drop30, at(87))).not.toBeNull();
    expect(run('usage_drop', drop30, new Date(at(87).getTime() + MS))).toBeNull();
    // Two baseline snapshots are not a baseline.
    expect(run('usage_drop', build(usage(100, 70, 2, 30)), at(30))).toBeNull();
    // No snapshots on days 62-69: the 14 days count from day 70 (the 40% drop survives the two low days in its baseline).
    const holed = build(usage(100, 60, 60, 90).filter((e) => e[0] < 62 || e[0] > 69));
    expect(run('usage_drop', holed, new Date(at(84).getTime() - MS))).toBeNull();
    expect(run('usage_drop', holed, at(84))).toMatchObject({ details: { since: at(70).toISOString() } });
  });

  it('leaves seasonal snapshots out: the holiday dip is no drop, a drop after it counts from Jan 6', () => {
    const start = Date.parse('2026-10-01T00:00:00Z');
    const series = (after: (iso: string) => number): Ev[] =>
      Array.from({ length: 130 }, (_, i): Ev => {
        const d = (start - T0) / DAY + i;
        return [d, 'usage_snapshot', { activeUsers: after(at(d).toISOString().slice(0, 10)) }];
      });
    const holiday = build(series((iso) => (iso >= '2026-12-15' && iso <= '2027-01-05' ? 60 : 100)));
    expect(run('usage_drop', holiday, new Date('2027-01-03T00:00:00Z'))).toBeNull();
    expect(run('usage_drop', holiday, new Date('2027-01-25T00:00:00Z'))).toBeNull();
    const real = build(series((iso) => (iso >= '2026-12-15' ? 60 : 100)));
    expect(run('usage_drop', real, new Date('2027-01-19T23:59:59Z'))).toBeNull();
    expect(run('usage_drop', real, new Date('2027-01-20T00:00:00Z'))).toMatchObject({
      measure: { value: 40 },
      details: { since: '2027-01-06T00:00:00.000Z', baseline: 100 },
    });
  });

  it.each([
    ['key_user_logins_drop', 'keyUserLogins', 50, 30, 7],
    ['core_feature_usage_drop', 'coreFeatureUsage', 30, 60, 7],
    ['session_time_drop', 'sessionMinutes', 40, 60, 45],
    ['data_creation_drop', 'dataCreated', 35, 30, 7],
  ] as const)('%s: %s down %d%% against %d days, held %d days', (id, metric, pct, baselineDays, sustained) => {
    const low = build(usage(100, 100 - pct, baselineDays, baselineDays + sustained + 2, metric));
    expect(run(id, low, new Date(at(baselineDays + sustained).getTime() - MS))).toBeNull();
    expect(run(id, low, at(baselineDays + sustained))).toMatchObject({
      baseSeverity: 'P2',
      measure: { value: pct },
      details: { metric },
    });
    expect(
      run(
        id,
        build(usage(100, 101 - pct, baselineDays, baselineDays + sustained + 2, metric)),
        at(baselineDays + sustained + 2),
      ),
    ).toBeNull();
    expect(run('usage_drop', low, at(baselineDays + sustained))).toBeNull();
  });
});

describe('engagement rules', () => {
  it('sponsor departure is P0 while younger than 7 days', () => {
    const s = build([[0, 'sponsor_departure', { reason: 'departed', contactName: 'Dana CFO' }]]);
    expect(run('sponsor_departure', s, at(0))).toMatchObject({
      baseSeverity: 'P0',
      group: 'engagement',
      summary: 'executive sponsor departed: departed: Dana CFO',
    });
    expect(run('sponsor_departure', s, new Date(at(7).getTime() - MS))).not.toBeNull();
    expect(run('sponsor_departure', s, at(7))).toBeNull();
  });

  it('champion silent from 30 days after the last contact; unknown without any contact', () => {
    const s = build([[0, 'champion_contact', { channel: 'email' }]]);
    expect(run('champion_silent', s, new Date(at(30).getTime() - MS))).toBeNull();
    expect(run('champion_silent', s, at(30))).toMatchObject({
      baseSeverity: 'P2',
      measure: { value: 30, unit: 'days' },
    });
    expect(run('champion_silent', build([[0, 'nps', { score: 9 }]]), at(90))).toBeNull();
  });

  it('stakeholder change alerts on detection (P1)', () => {
    expect(
      run(
        'stakeholder_change',
        build([[1, 'stakeholder_change', { who: 'Budget owner', description: 'moved to another division' }]]),
        at(1),
      ),
    ).toMatchObject({ baseSeverity: 'P1' });
  });

  it('meeting cancellations: 2 in a row alert, 1 or a held meeting in between does not', () => {
    expect(run('meeting_cancellations', build([[1, 'meeting_cancelled', { meetingKind: 'qbr' }]]), at(2))).toBeNull();
    const two = build([
      [1, 'meeting_cancelled', { meetingKind: 'qbr' }],
      [2, 'meeting_cancelled', { meetingKind: 'check_in' }],
    ]);
    expect(run('meeting_cancellations', two, at(3))).toMatchObject({ measure: { value: 2 } });
    expect(run('meeting_cancellations', two, new Date(at(9).getTime() - MS))).not.toBeNull();
    expect(run('meeting_cancellations', two, at(9))).toBeNull();
    expect(
      run(
        'meeting_cancellations',
        build([
          [1, 'meeting_cancelled', { meetingKind: 'qbr' }],
          [2, 'meeting_held', { meetingKind: 'qbr' }],
          [3, 'meeting_cancelled', { meetingKind: 'qbr' }],
        ]),
        at(3),
      ),
    ).toBeNull();
    expect(
      run(
        'meeting_cancellations',
        build([
          [1, 'meeting_held', { meetingKind: 'qbr' }],
          [2, 'meeting_cancelled', { meetingKind: 'qbr' }],
          [3, 'meeting_cancelled', { meetingKind: 'qbr' }],
        ]),
        at(3),
      ),
    ).not.toBeNull();
  });

  it('slow replies: 7 days over the baseline (0 without history)', () => {
    const history: Ev[] = [0, 1, 2, 3].map((d): Ev => [d, 'reply_time', { hours: 24 }]);
    expect(run('slow_replies', build([...history, [10, 'reply_time', { hours: 24 + 167 }]]), at(10))).toBeNull();
    expect(run('slow_replies', build([...history, [10, 'reply_time', { hours: 24 + 168 }]]), at(10))).toMatchObject({
      measure: { value: 7, unit: 'days' },
      details: { baselineHours: 24 },
    });
    expect(run('slow_replies', build([[10, 'reply_time', { hours: 167 }]]), at(10))).toBeNull();
    expect(run('slow_replies', build([[10, 'reply_time', { hours: 168 }]]), at(10))).not.toBeNull();
  });
});

describe('sentiment rules', () => {
  const nps = (...scores: number[]) => build(scores.map((score, i): Ev => [i, 'nps', { score }]));
  it.each([
    [[9, 7], false, 'down 2, still passive'],
    [[10, 7], true, 'down 3'],
    [[9, 6], true, 'became a detractor'],
    [[6], true, 'first response a detractor'],
    [[7], false, 'first response passive'],
    [[5, 4], false, 'already a detractor, down 1'],
    [[6, 3], true, 'down 3 as a detractor'],
  ])('NPS %j alerts: %s (%s)', (scores, expected) => {
    expect(run('nps_drop', nps(...scores), at(scores.length))).toEqual(
      expected
        ? expect.objectContaining({
            ruleId: 'nps_drop',
            measure: { value: scores.at(-1), unit: 'points', worseWhen: 'lower' },
          })
        : null,
    );
  });

  it('CSAT below 6/10 (1-5 doubled) or two declines in a row', () => {
    const csat = (...scores: number[]) => build(scores.map((score, i): Ev => [i, 'csat', { score }]));
    expect(run('csat_low', csat(2), at(1))).toMatchObject({ measure: { value: 4 } });
    expect(run('csat_low', csat(3), at(1))).toBeNull();
    expect(run('csat_low', csat(5, 4, 3), at(3))).toMatchObject({ details: { falling: true, low: false } });
    expect(run('csat_low', csat(5, 4, 4), at(3))).toBeNull();
    expect(run('csat_low', csat(4, 3), at(2))).toBeNull();
  });

  it('survey comments: negative sentiment or a keyword', () => {
    expect(
      run(
        'negative_survey_comment',
        build([[0, 'survey_comment', { text: 'It is fine', sentiment: 'negative' }]]),
        at(1),
      ),
    ).not.toBeNull();
    expect(
      run(
        'negative_survey_comment',
        build([[0, 'survey_comment', { text: 'We are looking at a Competitor', sentiment: 'neutral' }]]),
        at(1),
      )?.details.notes,
    ).toBe('competitor');
    expect(
      run('negative_survey_comment', build([[0, 'survey_comment', { text: 'Love it', sentiment: 'positive' }]]), at(1)),
    ).toBeNull();
  });

  it('public reviews rated 2 or lower', () => {
    expect(
      run('negative_public_review', build([[0, 'public_review', { rating: 2, text: 'meh' }]]), at(1)),
    ).not.toBeNull();
    expect(run('negative_public_review', build([[0, 'public_review', { rating: 3, text: 'ok' }]]), at(1))).toBeNull();
  });

  it('the CSM flag shifts the base severity by level until cleared', () => {
    const flag = (level: 'watch' | 'at_risk' | 'critical' | 'cleared') =>
      build([[0, 'csm_flag', { reason: 'gut feeling', level }]]);
    expect(run('csm_flag', flag('watch'), at(1))?.baseSeverity).toBe('P3');
    expect(run('csm_flag', flag('at_risk'), at(1))?.baseSeverity).toBe('P2');
    expect(run('csm_flag', flag('critical'), at(40))?.baseSeverity).toBe('P1');
    expect(run('csm_flag', flag('cleared'), at(1))).toBeNull();
  });
});

describe('support rules', () => {
  const opened = (days: number[], priority: 'P1' | 'P2' = 'P2', prefix = 't'): Ev[] =>
    days.map((d, i): Ev => [d, 'support_ticket_opened', { ticketId: `${prefix}${i}`, priority }]);

  it('ticket surge: 3x the normal volume in 30 days, at least 3 tickets', () => {
    // One ticket per 30 days over 90 days: normal is 1, so 3 in the window are a surge.
    const base = opened([0, 30, 60], 'P2', 'b');
    expect(run('ticket_surge', build([...base, ...opened([95, 100])]), at(120))).toBeNull();
    expect(run('ticket_surge', build([...base, ...opened([95, 100, 110])]), at(120))).toMatchObject({
      measure: { value: 3 },
      details: { normal: 1, multiple: 3 },
    });
    // Two per 30 days: 5 is not a surge, 6 is.
    const busier = opened([0, 10, 30, 40, 60, 70], 'P2', 'b');
    expect(run('ticket_surge', build([...busier, ...opened([91, 92, 93, 94, 95])]), at(120))).toBeNull();
    expect(run('ticket_surge', build([...busier, ...opened([91, 92, 93, 94, 95, 96])]), at(120))).not.toBeNull();
  });

  it('ticket surge needs 30 days of observed ticket history before the window', () => {
    const burst = opened([91, 92, 93]);
    expect(run('ticket_surge', build([...opened([61], 'P2', 'b'), ...burst]), at(120))).toBeNull();
    expect(run('ticket_surge', build([...opened([60], 'P2', 'b'), ...burst]), at(120))).not.toBeNull();
  });

  it('any P1 ticket (P2), several P1 tickets in 30 days (P1)', () => {
    expect(run('p1_ticket', build(opened([0], 'P2')), at(1))).toBeNull();
    const one = build(opened([0], 'P1'));
    expect(run('p1_ticket', one, at(1))).toMatchObject({ baseSeverity: 'P2' });
    expect(run('p1_ticket', one, at(7))).toBeNull();
    expect(run('p1_tickets_several', one, at(1))).toBeNull();
    const two = build(opened([0, 20], 'P1'));
    expect(run('p1_tickets_several', two, new Date(at(30).getTime() - MS))).toMatchObject({
      baseSeverity: 'P1',
      measure: { value: 2 },
    });
    expect(run('p1_tickets_several', two, at(30))).toBeNull();
  });

  it('escalations alert', () => {
    expect(
      run('ticket_escalated', build([[0, 'support_ticket_escalated', { ticketId: 't1', to: 'engineering' }]]), at(1)),
    ).toMatchObject({ summary: 'ticket escalated: engineering: t1' });
  });

  it('unresolved: open 21+ days or reopened 2+ times', () => {
    const open = build(opened([0]));
    expect(run('ticket_unresolved', open, new Date(at(21).getTime() - MS))).toBeNull();
    expect(run('ticket_unresolved', open, at(21))).toMatchObject({ details: { oldestOpenDays: 21 } });
    expect(
      run('ticket_unresolved', build([...opened([0]), [5, 'support_ticket_resolved', { ticketId: 't0' }]]), at(30)),
    ).toBeNull();
    const reopened = (n: number): Ev[] => [
      ...opened([0]),
      ...Array.from({ length: n }, (_, i): Ev[] => [
        [1 + i * 2, 'support_ticket_resolved', { ticketId: 't0' }],
        [2 + i * 2, 'support_ticket_reopened', { ticketId: 't0' }],
      ]).flat(),
    ];
    expect(run('ticket_unresolved', build(reopened(1)), at(5))).toBeNull();
    expect(run('ticket_unresolved', build(reopened(2)), at(5))).toMatchObject({ details: { maxReopens: 2 } });
  });

  it('post-ticket CSAT below 6/10 or negative sentiment (P3)', () => {
    const resolved = (supportCsat: number, sentiment: 'positive' | 'negative' | null = null) =>
      build([...opened([0]), [1, 'support_ticket_resolved', { ticketId: 't0', supportCsat, sentiment }]]);
    expect(run('support_csat_low', resolved(2), at(2))).toMatchObject({ baseSeverity: 'P3' });
    expect(run('support_csat_low', resolved(3), at(2))).toBeNull();
    expect(run('support_csat_low', resolved(4, 'negative'), at(2))).not.toBeNull();
  });
});

describe('business, competition and lagging signals', () => {
  it.each([
    ['budget_freeze', { scope: 'company' }, 'P1'],
    ['layoffs', { sharePct: 10 }, 'P1'],
    ['m_and_a', { kind: 'acquired', counterparty: 'BigCo' }, 'P1'],
    ['leadership_change', { position: 'CFO' }, 'P2'],
    ['strategic_pivot', { description: 'moving to B2C' }, 'P2'],
    ['competitor_mention', { competitor: 'Rival', context: 'evaluation' }, 'P1'],
    ['data_export', { scope: 'full' }, 'P1'],
    ['contract_term_request', { requested: 'monthly' }, 'P1'],
    ['payment_failure', { amountCents: 120_000 }, 'P0'],
    ['cancellation_inquiry', { channel: 'email' }, 'P0'],
  ] as const)('%s alerts at %s... with base severity %s for 7 days', (type, payload, severity) => {
    const s = build([[0, type, payload] as Ev]);
    expect(run(type, s, new Date(at(7).getTime() - MS))).toMatchObject({
      baseSeverity: severity,
      measure: { value: 1, unit: 'count' },
    });
    expect(run(type, s, at(7))).toBeNull();
    expect(run(type, s, new Date(at(0).getTime() - MS))).toBeNull();
  });

  it('repeated competitor feature requests: 2 in 90 days, the latest within 7 days', () => {
    const req = (d: number, i: number): Ev => [
      d,
      'competitor_feature_request',
      { feature: `f${i}`, competitor: 'Rival' },
    ];
    expect(run('competitor_feature_requests', build([req(0, 0)]), at(1))).toBeNull();
    expect(run('competitor_feature_requests', build([req(0, 0), req(89, 1)]), at(89))).toMatchObject({
      baseSeverity: 'P2',
      measure: { value: 2 },
    });
    expect(run('competitor_feature_requests', build([req(0, 0), req(90, 1)]), at(90))).toBeNull();
    expect(run('competitor_feature_requests', build([req(0, 0), req(10, 1)]), at(17))).toBeNull();
  });
});

describe('downsell request and payment recovery (§5.2, commercial)', () => {
  it('a downsell cutting 25% of the seats or more is P1 for 7 days, a smaller cut one level less (P2)', () => {
    const big = build([[0, 'downsell_request', { fromSeats: 100, toSeats: 75 }]]);
    expect(run('downsell_request', big, at(1))).toMatchObject({
      baseSeverity: 'P1',
      group: 'commercial',
      measure: { value: 25, unit: 'percent', worseWhen: 'higher' },
      summary: 'seats cut by 25%: 100 → 75 seats',
    });
    expect(run('downsell_request', big, at(7))).toBeNull();
    const small = build([[0, 'downsell_request', { fromSeats: 10, toSeats: 8 }]]);
    expect(run('downsell_request', small, at(1))).toMatchObject({ baseSeverity: 'P2', measure: { value: 20 } });
    // The line is policy: at 20% the same cut keeps the base severity.
    const p = resolvePolicy({ earlyWarning: { commercial: { downsellMajorSharePct: 20 } } });
    expect(alertRuleById('downsell_request').evaluate(small, at(1), p, account())).toMatchObject({
      baseSeverity: 'P1',
    });
    // A small cut after a big one in the window does not soften it.
    const both = build([
      [0, 'downsell_request', { fromSeats: 100, toSeats: 60 }],
      [2, 'downsell_request', { fromSeats: 60, toSeats: 58 }],
    ]);
    expect(run('downsell_request', both, at(3))).toMatchObject({ baseSeverity: 'P1', measure: { value: 40 } });
  });

  it('a payment recovery ends the payment failures at or before it; a later failure still alerts', () => {
    const failed = build([[0, 'payment_failure', { amountCents: 120_000, attempt: 1 }]]);
    expect(run('payment_failure', failed, at(1))).not.toBeNull();
    const recovered = applyEvent(
      failed,
      { type: 'payment_recovery', occurredAt: at(1).toISOString(), payload: { failedAttempts: 1 } },
      at(1),
      DEFAULT_POLICY,
    );
    expect(run('payment_failure', recovered, at(1))).toBeNull();
    const again = applyEvent(
      recovered,
      { type: 'payment_failure', occurredAt: at(2).toISOString(), payload: { amountCents: 120_000 } },
      at(2),
      DEFAULT_POLICY,
    );
    expect(run('payment_failure', again, at(2))).toMatchObject({ baseSeverity: 'P0', measure: { value: 1 } });
    // A recovery reported late (older than the newer failure) leaves the newer failure alerting.
    const late = applyEvent(
      again,
      { type: 'payment_recovery', occurredAt: at(1.5).toISOString(), payload: { failedAttempts: 1 } },
      at(2),
      DEFAULT_POLICY,
    );
    expect(run('payment_failure', late, at(2))).not.toBeNull();
  });
});

describe('health score (§5.1: P1 at 40 or below, P2 from 41 to 60)', () => {
  it.each([
    [39, 'health_critical', 'P1'],
    [40, 'health_critical', 'P1'],
    [41, 'health_low', 'P2'],
    [60, 'health_low', 'P2'],
    [61, null, null],
  ] as const)('%d → %s', (score, id, severity) => {
    const alerts = evaluateAlertRules(build([[0, 'health_score', { score }]]), at(1), DEFAULT_POLICY, account());
    expect(alerts.map((a) => [a.ruleId, a.baseSeverity])).toEqual(id ? [[id, severity]] : []);
  });

  // An account workflow started under a policy before 2026-12-01.8 carries the strict criticalBelow: it keeps deciding by it.
  it.each([
    [39, { criticalBelow: 40, lowUpTo: 60 }, 'critical'],
    [40, { criticalBelow: 40, lowUpTo: 60 }, 'low'],
    [40, { criticalUpTo: 40, lowUpTo: 60 }, 'critical'],
    [41, { criticalUpTo: 40, lowUpTo: 60 }, 'low'],
    [61, { criticalUpTo: 40, lowUpTo: 60 }, null],
  ] as const)('healthBand(%d, %j) is %p', (score, bands, band) => {
    expect(healthBand(score, bands as unknown as RetainPolicy['earlyWarning']['health'])).toBe(band);
  });
});

describe('hasWorsened', () => {
  const snap = (
    value: number,
    severity: 'P1' | 'P2' = 'P2',
    ruleId: AlertRuleId = 'usage_drop',
    worseWhen: 'higher' | 'lower' = 'higher',
  ) => ({ ruleId, severity, measure: { value, unit: 'percent' as const, worseWhen } });
  it('is worse by the rule margin in the wrong direction, or at a higher severity', () => {
    expect(hasWorsened(snap(30), snap(39.9), DEFAULT_POLICY)).toBe(false);
    expect(hasWorsened(snap(30), snap(40), DEFAULT_POLICY)).toBe(true);
    expect(hasWorsened(snap(30), snap(20), DEFAULT_POLICY)).toBe(false);
    expect(hasWorsened(snap(30, 'P2'), snap(30, 'P1'), DEFAULT_POLICY)).toBe(true);
    expect(hasWorsened(snap(30, 'P1'), snap(45, 'P2'), DEFAULT_POLICY)).toBe(true);
    expect(
      hasWorsened(snap(45, 'P2', 'health_low', 'lower'), snap(41, 'P2', 'health_low', 'lower'), DEFAULT_POLICY),
    ).toBe(false);
    expect(
      hasWorsened(snap(45, 'P2', 'health_low', 'lower'), snap(40, 'P2', 'health_low', 'lower'), DEFAULT_POLICY),
    ).toBe(true);
  });
});

describe('the P3 tier (§5.1: "a missed training, a slight usage dip, or no touchpoint for 30 days")', () => {
  const evaluate = (state: AccountSignalState, now: Date, policy: RetainPolicy = DEFAULT_POLICY) =>
    evaluateAlertRules(state, now, policy, account()).map((a) => [a.ruleId, a.baseSeverity]);

  it.each<[string, number, number, [string, string][]]>([
    // mid-market: the usage drop is 30% for 14 days; the dip 10% or more for 7 days, while the drop does not trigger.
    ['9% down for a week', 91, 7, []],
    ['10% down for a week', 90, 7, [['usage_dip', 'P3']]],
    ['10% down for 6 days', 90, 6, []],
    ['29% down for two weeks', 71, 14, [['usage_dip', 'P3']]],
    ['30% down for a week: not the usage drop yet, a dip', 70, 7, [['usage_dip', 'P3']]],
    ['30% down for two weeks: the usage drop, not a dip', 70, 14, [['usage_drop', 'P1']]],
  ])('active users %s', (_, after, days, expected) => {
    const state = build(usage(100, after, 60, 60 + days));
    const alerts = evaluate(state, at(60 + days)).filter(([id]) => id === 'usage_dip' || id === 'usage_drop');
    expect(alerts).toEqual(expected);
  });

  it.each<[string, Ev[], number, [string, string][]]>([
    [
      'a training cancelled without a new date',
      [[0, 'meeting_cancelled', { meetingKind: 'training', rescheduled: false }]],
      1,
      [['training_missed', 'P3']],
    ],
    [
      'a training moved to a new date',
      [[0, 'meeting_cancelled', { meetingKind: 'training', rescheduled: true }]],
      1,
      [],
    ],
    ['a check-in cancelled (not a training)', [[0, 'meeting_cancelled', { meetingKind: 'check_in' }]], 1, []],
    ['a missed training 7 days on', [[0, 'meeting_cancelled', { meetingKind: 'training' }]], 7, []],
    [
      '30 days since the last meeting held',
      [[0, 'meeting_held', { meetingKind: 'qbr' }]],
      30,
      [['no_touchpoint', 'P3']],
    ],
    ['29 days since the last meeting held', [[0, 'meeting_held', { meetingKind: 'qbr' }]], 29, []],
    [
      'a contact with the champion is a touchpoint',
      [
        [0, 'meeting_held', { meetingKind: 'qbr' }],
        [20, 'champion_contact', { channel: 'call' }],
      ],
      40,
      [],
    ],
    ['no touchpoint ever recorded: nothing to measure from', [[0, 'nps', { score: 9 }]], 90, []],
  ])('%s', (_, events, day, expected) => {
    const alerts = evaluate(build(events), at(day)).filter(([id]) =>
      ['training_missed', 'no_touchpoint'].includes(id!),
    );
    expect(alerts).toEqual(expected);
  });

  it('raises none of them for an account workflow that carries a policy from before they existed', () => {
    const rules = { ...DEFAULT_POLICY.earlyWarning.rules } as Partial<RetainPolicy['earlyWarning']['rules']>;
    delete rules.usage_dip;
    delete rules.training_missed;
    delete rules.no_touchpoint;
    const old = { ...DEFAULT_POLICY, earlyWarning: { ...DEFAULT_POLICY.earlyWarning, rules } } as RetainPolicy;
    const state = build([
      [0, 'meeting_held', { meetingKind: 'qbr' }],
      [29, 'meeting_cancelled', { meetingKind: 'training' }],
    ]);
    expect(evaluate(state, at(30))).toEqual([
      ['no_touchpoint', 'P3'],
      ['training_missed', 'P3'],
    ]);
    expect(evaluate(state, at(30), old)).toEqual([]);
  });
});
