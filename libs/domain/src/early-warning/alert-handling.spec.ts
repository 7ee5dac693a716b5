import { DEFAULT_POLICY, resolvePolicy, type AlertEscalationRole, type AlertSeverity } from '../policy/retain-policy';
import {
  alertRecipientPerson,
  alertsRecoveredBy,
  paymentRecoveryResolution,
  asksRenewalForSave,
  type AccountPeople,
  consolidatedNotice,
  escalationRecipient,
  type ChainMember,
  liveSuppressions,
  nextAlertEscalationAt,
  nextEvaluationAt,
  type NoticeMember,
  smsRecipientIds,
} from './alert-handling';
import { alertRecipients } from './severity-routing';
import { opensConsolidationWindow } from './overload';

const people: AccountPeople = { ownerCsmId: 'csm-1', csmManagerId: 'mgr-1', salesRepId: 'rep-1' };

describe('alert recipients and escalation targets', () => {
  it.each([
    ['csm', 'csm-1'],
    ['csm_manager', 'mgr-1'],
    ['sales_rep', 'rep-1'],
    ['director', null],
    ['vp', null],
    ['cs_ops', null],
  ])('the %s of the account is %p', (role, person) => {
    expect(alertRecipientPerson(role, people)).toBe(person);
  });
});

describe('escalationRecipient (§5.1: each level the next person up the chain)', () => {
  const full = [
    { id: 'mgr-1', role: 'csm_manager' },
    { id: 'dir-1', role: 'director' },
    { id: 'vp-1', role: 'vp' },
  ];
  const noDirector = [
    { id: 'mgr-1', role: 'csm_manager' },
    { id: 'vp-1', role: 'vp' },
  ];
  // A CSM who reports straight to a director; a team lead (a csm) between the CSM and his manager.
  const toDirector = [
    { id: 'dir-1', role: 'director' },
    { id: 'vp-1', role: 'vp' },
  ];
  const withLead = [{ id: 'lead-1', role: 'csm' }, ...full];
  it.each<[string, AlertEscalationRole, ChainMember[], string | null, string | null]>([
    ['level 1 of a full chain: the manager, never the CSM', 'csm_manager', full, 'acct-mgr', 'mgr-1'],
    ['level 2: the director, not the manager', 'director', full, 'acct-mgr', 'dir-1'],
    ['level 3: the vp', 'vp', full, 'acct-mgr', 'vp-1'],
    ['a team lead in between is skipped', 'csm_manager', withLead, null, 'mgr-1'],
    ['no manager in the chain: the account’s CSM manager', 'csm_manager', toDirector, 'acct-mgr', 'acct-mgr'],
    ['no manager anywhere: the next one up', 'csm_manager', toDirector, null, 'dir-1'],
    ['no director: the vp', 'director', noDirector, null, 'vp-1'],
    ['no vp: nobody (never someone below)', 'vp', full.slice(0, 2), 'acct-mgr', null],
    ['an empty chain, level 2: nobody', 'director', [], 'acct-mgr', null],
    ['an empty chain, level 1: the account’s CSM manager', 'csm_manager', [], 'acct-mgr', 'acct-mgr'],
  ])('%s', (_, role, chain, accountManager, expected) => {
    expect(escalationRecipient(role, chain, accountManager)).toBe(expected);
  });
});

describe('asksRenewalForSave (§5.6)', () => {
  const within = DEFAULT_POLICY.earlyWarning.saveRequestWithinDays;
  it.each<[AlertSeverity, number | null, string | null, boolean, boolean]>([
    ['P0', within, 'renewal:a:2027-06-01', false, true],
    ['P1', 0, 'renewal:a:2027-06-01', false, true],
    ['P1', within + 1, 'renewal:a:2027-06-01', false, false],
    ['P2', 10, 'renewal:a:2027-06-01', false, false],
    ['P0', 10, null, false, false],
    ['P0', 10, 'renewal:a:2027-06-01', true, false],
    ['P0', null, 'renewal:a:2027-06-01', false, false],
  ])(
    '%s with %p days to an open renewal %p (has save %p) -> %p',
    (severity, days, openRenewalId, renewalHasSave, asks) => {
      expect(asksRenewalForSave(severity, days, { openRenewalId, renewalHasSave }, DEFAULT_POLICY)).toBe(asks);
    },
  );
});

describe('consolidation windows (§5.5)', () => {
  const first = '2027-03-01T00:00:00Z';
  it.each<[string | null, string, boolean]>([
    [null, '2027-03-01T05:00:00Z', true],
    [first, '2027-03-01T23:59:59Z', false],
    [first, '2027-03-02T00:00:00Z', true],
  ])('window from %p, alert at %s -> opens a new one %p', (firstAt, at, opens) => {
    expect(opensConsolidationWindow(firstAt ? { firstAt } : undefined, new Date(at), DEFAULT_POLICY)).toBe(opens);
  });
  it('follows the policy window', () => {
    expect(
      opensConsolidationWindow(
        { firstAt: first },
        new Date('2027-03-01T06:00:00Z'),
        resolvePolicy({ earlyWarning: { overload: { consolidationWindowHours: 6 } } }),
      ),
    ).toBe(true);
  });

  const member = (id: string, severity: AlertSeverity, m: Partial<NoticeMember> = {}): NoticeMember => ({
    id,
    severity,
    group: 'usage',
    summary: `summary ${id}`,
    triggeredAt: '2027-03-01T10:00:00.000Z',
    deliverAt: '2027-03-01T10:00:00.000Z',
    recipients: [{ personId: 'csm-1', timing: 'daily_digest' }],
    ...m,
  });

  it('names a single alert in the subject', () => {
    expect(consolidatedNotice([member('a1', 'P2')], 'Acme')).toMatchObject({
      severity: 'P2',
      subject: 'P2 Acme: summary a1',
      lines: ['P2 summary a1'],
      recipientIds: ['csm-1'],
    });
  });

  it('leads with the most severe, reaches everyone once, goes out as early as any member allows', () => {
    const notice = consolidatedNotice(
      [
        member('a1', 'P2', { triggeredAt: '2027-03-01T11:00:00.000Z', deliverAt: '2027-03-02T08:00:00.000Z' }),
        member('a2', 'P1', {
          triggeredAt: '2027-03-01T09:00:00.000Z',
          deliverAt: '2027-03-01T10:00:00.000Z',
          recipients: [
            { personId: 'csm-1', timing: 'immediate' },
            { personId: 'mgr-1', timing: 'daily_digest' },
            { personId: null, timing: 'immediate' },
          ],
        }),
        member('a3', 'P1', { summary: 'second P1' }),
      ],
      'Acme',
    );
    expect(notice).toEqual({
      severity: 'P1',
      recipientIds: ['csm-1', 'mgr-1'],
      subject: 'P1 Acme: 3 usage alerts',
      lines: ['P2 summary a1', 'P1 summary a2', 'P1 second P1'],
      alertIds: ['a1', 'a2', 'a3'],
      deliverAfter: '2027-03-01T10:00:00.000Z',
      timing: 'immediate',
      recipientTimings: { 'csm-1': 'immediate', 'mgr-1': 'daily_digest' },
      raisedAt: '2027-03-01T09:00:00.000Z',
    });
  });
});

describe('live suppressions', () => {
  const at = new Date('2027-03-10T12:00:00Z');
  const window = (id: string, from: string, to: string) => ({
    id,
    from,
    to,
    groups: ['usage' as const],
    reason: 'holiday',
  });
  it('keeps windows covering now, ahead, or ended less than a day ago; drops older ones', () => {
    const kept = liveSuppressions(
      [
        window('now', '2027-03-09', '2027-03-11'),
        window('ahead', '2027-04-01', '2027-04-05'),
        window('yesterday', '2027-03-01', '2027-03-09'),
        window('old', '2027-02-01', '2027-02-10'),
      ],
      'usage',
      'UTC',
      at,
    );
    expect(kept.map((w) => w.id)).toEqual(['now', 'ahead', 'yesterday']);
  });
});

describe('when the loop wakes', () => {
  it('escalates at the earliest open, not yet escalated step', () => {
    const alerts = [
      {
        state: 'open',
        escalations: [
          { at: '2027-03-01T10:00:00Z', escalatedAt: '2027-03-01T10:00:00Z' },
          { at: '2027-03-01T12:00:00Z', escalatedAt: null },
        ],
      },
      { state: 'acknowledged', escalations: [{ at: '2027-03-01T09:00:00Z', escalatedAt: null }] },
      { state: 'open', escalations: [{ at: '2027-03-01T14:00:00Z', escalatedAt: null }] },
    ];
    expect(nextAlertEscalationAt(alerts)).toBe(Date.parse('2027-03-01T12:00:00Z'));
    expect(nextAlertEscalationAt([])).toBe(Infinity);
  });
  it('evaluates for time passing a day after the last evaluation, never before the first', () => {
    expect(nextEvaluationAt('2027-03-01T00:00:00Z')).toBe(Date.parse('2027-03-02T00:00:00Z'));
    expect(nextEvaluationAt(null)).toBe(Infinity);
  });
});

describe('smsRecipientIds (§5.4: the routing’s sms channel, per person)', () => {
  const r = (personId: string | null, ...channels: string[]) => ({ personId, channels });
  it.each<[string, Parameters<typeof smsRecipientIds>[0], string[]]>([
    ['nobody when no alert routed sms', [{ recipients: [r('csm-1', 'email', 'instant_message')] }], []],
    // CSM and manager routed sms, the rep not (as under a policy whose rep copy is not immediate).
    [
      'those routed sms, not the others',
      [{ recipients: [r('csm-1', 'email', 'sms'), r('mgr-1', 'email', 'sms'), r('rep-1', 'email')] }],
      ['csm-1', 'mgr-1'],
    ],
    // Two alerts of the window routed the CSM sms: he is listed once; an unresolved role (null) never.
    [
      'each person once, an unresolved role never',
      [{ recipients: [r('csm-1', 'sms'), r(null, 'sms')] }, { recipients: [r('csm-1', 'sms'), r('mgr-1', 'email')] }],
      ['csm-1'],
    ],
    // A record written before channels were kept on recipients has none.
    ['none for recipients without channels', [{ recipients: [{ personId: 'csm-1' }] }], []],
  ])('%s', (_, members, expected) => {
    expect(smsRecipientIds(members)).toEqual(expected);
  });

  it('follows the policy: a P0 of an sms rule routes sms to those notified at once', () => {
    const account = { id: 'acc-1', segment: 'smb' as const, arrCents: 1_000_000, renewalDate: null, timeZone: 'UTC' };
    const routed = alertRecipients(
      'sponsor_departure',
      'P0',
      account,
      new Date('2027-01-01T00:00:00Z'),
      DEFAULT_POLICY,
    );
    const ids = smsRecipientIds([{ recipients: routed.map((x) => ({ ...x, personId: x.role })) }]);
    // Default routing: P0 reaches csm, csm_manager and sales rep at once (the rep as every P0 reaches sales).
    expect(ids).toEqual(routed.filter((x) => x.timing === 'immediate').map((x) => x.role));
    expect(ids).toContain('csm');
    const without = resolvePolicy({ earlyWarning: { smsForRules: [] } });
    const none = alertRecipients('sponsor_departure', 'P0', account, new Date('2027-01-01T00:00:00Z'), without);
    expect(smsRecipientIds([{ recipients: none.map((x) => ({ ...x, personId: x.role })) }])).toEqual([]);
  });
});

describe('alertsRecoveredBy (§5.2, payment recovery)', () => {
  const a = (id: string, ruleId: string, state: 'open' | 'acknowledged' | 'resolved', latestAt: string) => ({
    id,
    ruleId,
    state,
    triggeredAt: latestAt,
    details: { latestAt },
  });
  it('closes the payment failure alerts not resolved yet whose failure came at or before the recovery', () => {
    const alerts = [
      a('1', 'payment_failure', 'open', '2027-03-01T00:00:00.000Z'),
      a('2', 'payment_failure', 'acknowledged', '2027-03-02T00:00:00.000Z'),
      a('3', 'payment_failure', 'resolved', '2027-03-01T00:00:00.000Z'),
      a('4', 'payment_failure', 'open', '2027-03-05T00:00:00.000Z'),
      a('5', 'cancellation_inquiry', 'open', '2027-03-01T00:00:00.000Z'),
    ];
    expect(alertsRecoveredBy(alerts, '2027-03-02T00:00:00.000Z').map((x) => x.id)).toEqual(['1', '2']);
    expect(alertsRecoveredBy([], '2027-03-02T00:00:00.000Z')).toEqual([]);
    expect(paymentRecoveryResolution(2, 'stripe:evt_1')).toBe(
      'payment recovered: paid after 2 failed attempts (event stripe:evt_1)',
    );
  });
});
