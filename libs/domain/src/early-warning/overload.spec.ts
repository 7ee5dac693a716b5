import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import type { AlertRuleId } from './alert-rules';
import {
  consolidateAlerts,
  deliveryTime,
  deliveryWindowFor,
  inQuietHours,
  isoWeekday,
  manualSuppressionAt,
  mostUrgentTiming,
  nextAllowedDelivery,
  recipientDelivery,
  workflowNotificationDelivery,
  suppressionDecision,
  validateManualSuppression,
  type AlertCandidate,
  type ConsolidationInput,
  type ManualSuppression,
  type PreviousAlert,
} from './overload';
import { monthDayInRange, seasonalWindowAt, type SeasonalAccount } from './seasonal-windows';

const P = DEFAULT_POLICY;
const d = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe("quiet hours 20:00-08:00 in the recipient's time zone", () => {
  it('holds a P1 until 08:00 local across the New York spring-forward (2027-03-14)', () => {
    const ny = 'America/New_York';
    expect(iso(nextAllowedDelivery(d('2027-03-14T04:00:00Z'), 'P1', ny, P))).toBe('2027-03-14T12:00:00.000Z'); // 23:00 EST → 08:00 EDT
    expect(iso(nextAllowedDelivery(d('2027-03-14T01:00:00Z'), 'P1', ny, P))).toBe('2027-03-14T12:00:00.000Z'); // 20:00 EST
    expect(iso(nextAllowedDelivery(d('2027-03-14T00:59:59Z'), 'P1', ny, P))).toBe('2027-03-14T00:59:59.000Z'); // 19:59:59 EST
    expect(iso(nextAllowedDelivery(d('2027-03-14T11:59:00Z'), 'P1', ny, P))).toBe('2027-03-14T12:00:00.000Z'); // 07:59 EDT
    expect(iso(nextAllowedDelivery(d('2027-03-14T12:00:00Z'), 'P1', ny, P))).toBe('2027-03-14T12:00:00.000Z'); // 08:00 EDT
    expect(iso(nextAllowedDelivery(d('2027-03-15T00:00:00Z'), 'P2', ny, P))).toBe('2027-03-15T12:00:00.000Z'); // 20:00 EDT
  });

  it('holds a P1 until 08:00 local across the Berlin fall-back (2027-10-31)', () => {
    const berlin = 'Europe/Berlin';
    expect(iso(nextAllowedDelivery(d('2027-10-30T20:00:00Z'), 'P1', berlin, P))).toBe('2027-10-31T07:00:00.000Z'); // 22:00 CEST → 08:00 CET
    expect(inQuietHours(d('2027-10-30T17:59:00Z'), berlin, P)).toBe(false); // 19:59 CEST
    expect(inQuietHours(d('2027-10-30T18:00:00Z'), berlin, P)).toBe(true); // 20:00 CEST
    expect(inQuietHours(d('2027-10-31T06:59:00Z'), berlin, P)).toBe(true); // 07:59 CET
    expect(inQuietHours(d('2027-10-31T07:00:00Z'), berlin, P)).toBe(false); // 08:00 CET
  });

  it('judges one instant per recipient zone', () => {
    const noonUtc = d('2027-06-01T12:00:00Z');
    expect(iso(nextAllowedDelivery(noonUtc, 'P2', 'America/New_York', P))).toBe('2027-06-01T12:00:00.000Z'); // 08:00 EDT
    expect(iso(nextAllowedDelivery(noonUtc, 'P2', 'Europe/Berlin', P))).toBe('2027-06-01T12:00:00.000Z'); // 14:00 CEST
    expect(iso(nextAllowedDelivery(noonUtc, 'P2', 'Asia/Tokyo', P))).toBe('2027-06-01T23:00:00.000Z'); // 21:00 JST → 08:00 JST
    expect(iso(nextAllowedDelivery(d('2027-06-01T11:59:00Z'), 'P2', 'America/New_York', P))).toBe(
      '2027-06-01T12:00:00.000Z',
    );
  });

  it('lets P0 through at any hour, and follows overridden hours', () => {
    expect(iso(nextAllowedDelivery(d('2027-03-14T04:00:00Z'), 'P0', 'America/New_York', P))).toBe(
      '2027-03-14T04:00:00.000Z',
    );
    const dayShift = resolvePolicy({ earlyWarning: { overload: { quietHours: { startHour: 0, endHour: 6 } } } });
    expect(iso(nextAllowedDelivery(d('2027-06-01T03:00:00Z'), 'P1', 'UTC', dayShift))).toBe('2027-06-01T06:00:00.000Z');
    expect(iso(nextAllowedDelivery(d('2027-06-01T21:00:00Z'), 'P1', 'UTC', dayShift))).toBe('2027-06-01T21:00:00.000Z');
  });
});

describe('delivery timing (docs/rulebook.md §5.4)', () => {
  it('P0 at once, even at 23:00 local', () => {
    expect(iso(deliveryTime('P0', d('2027-03-02T04:00:00Z'), 'America/New_York', P))).toBe('2027-03-02T04:00:00.000Z');
  });

  it('P1 within the hour, after quiet hours', () => {
    const w = deliveryWindowFor('prompt', 'P1', d('2027-03-02T14:00:00Z'), 'UTC', P);
    expect([iso(w.at), iso(w.by)]).toEqual(['2027-03-02T14:00:00.000Z', '2027-03-02T15:00:00.000Z']);
    expect(iso(deliveryTime('P1', d('2027-03-02T04:00:00Z'), 'America/New_York', P))).toBe('2027-03-02T13:00:00.000Z'); // 23:00 → 08:00 EST
  });

  it('P2 in the daily digest at 09:00 local: the same day before 09:00 (inclusive), else the next', () => {
    const berlin = 'Europe/Berlin';
    expect(iso(deliveryTime('P2', d('2027-02-10T07:59:00Z'), berlin, P))).toBe('2027-02-10T08:00:00.000Z');
    expect(iso(deliveryTime('P2', d('2027-02-10T08:00:00Z'), berlin, P))).toBe('2027-02-10T08:00:00.000Z');
    expect(iso(deliveryTime('P2', d('2027-02-10T08:00:01Z'), berlin, P))).toBe('2027-02-11T08:00:00.000Z');
    expect(iso(deliveryTime('P2', d('2027-02-10T22:00:00Z'), berlin, P))).toBe('2027-02-11T08:00:00.000Z');
    // Across the DST changes: 09:00 CET after a CEST evening, 09:00 EDT after an EST morning.
    expect(iso(deliveryTime('P2', d('2027-10-30T08:00:00Z'), berlin, P))).toBe('2027-10-31T08:00:00.000Z');
    expect(iso(deliveryTime('P2', d('2027-03-13T15:00:00Z'), 'America/New_York', P))).toBe('2027-03-14T13:00:00.000Z');
  });

  it('P3 in the weekly digest on Monday 09:00 local, across week, year and DST boundaries', () => {
    expect(isoWeekday('2027-03-01')).toBe(1);
    expect(isoWeekday('2027-02-28')).toBe(7);
    expect(iso(deliveryTime('P3', d('2027-03-01T08:00:00Z'), 'UTC', P))).toBe('2027-03-01T09:00:00.000Z'); // Monday before 09:00
    expect(iso(deliveryTime('P3', d('2027-03-01T09:00:00Z'), 'UTC', P))).toBe('2027-03-01T09:00:00.000Z');
    expect(iso(deliveryTime('P3', d('2027-03-01T09:00:01Z'), 'UTC', P))).toBe('2027-03-08T09:00:00.000Z'); // a week later
    expect(iso(deliveryTime('P3', d('2027-02-28T23:00:00Z'), 'UTC', P))).toBe('2027-03-01T09:00:00.000Z'); // Sunday night
    expect(iso(deliveryTime('P3', d('2027-02-26T12:00:00Z'), 'UTC', P))).toBe('2027-03-01T09:00:00.000Z'); // Friday
    expect(iso(deliveryTime('P3', d('2027-12-31T12:00:00Z'), 'UTC', P))).toBe('2028-01-03T09:00:00.000Z'); // Friday, new year
    expect(iso(deliveryTime('P3', d('2027-03-12T17:00:00Z'), 'America/New_York', P))).toBe('2027-03-15T13:00:00.000Z'); // EST Friday → EDT Monday
    // Sunday 23:30 UTC is already Monday 08:30 in Tokyo: that Monday's digest.
    expect(iso(deliveryTime('P3', d('2027-02-28T23:30:00Z'), 'Asia/Tokyo', P))).toBe('2027-03-01T00:00:00.000Z');
  });
});

describe('seasonal windows', () => {
  const acc = (over: Partial<SeasonalAccount> = {}): SeasonalAccount => ({
    segment: 'mid_market',
    vertical: null,
    timeZone: 'UTC',
    ...over,
  });
  const name = (at: string, group: 'usage' | 'support' = 'usage', a = acc()) =>
    seasonalWindowAt(d(at), group, a, P)?.name ?? null;

  it('compares month-days inclusively, wrapping the year', () => {
    expect(monthDayInRange('2027-12-15', '12-15', '01-05')).toBe(true);
    expect(monthDayInRange('2028-01-05', '12-15', '01-05')).toBe(true);
    expect(monthDayInRange('2027-12-14', '12-15', '01-05')).toBe(false);
    expect(monthDayInRange('2028-01-06', '12-15', '01-05')).toBe(false);
    expect(monthDayInRange('2027-07-01', '06-15', '08-31')).toBe(true);
    expect(monthDayInRange('2027-09-01', '06-15', '08-31')).toBe(false);
  });

  it("suppresses usage alerts Dec 15 to Jan 5 inclusive in the account's zone", () => {
    expect(name('2027-12-14T23:59:59Z')).toBeNull();
    expect(name('2027-12-15T00:00:00Z')).toBe('year-end holidays');
    expect(name('2027-12-31T23:59:59Z')).toBe('year-end holidays');
    expect(name('2028-01-01T00:00:00Z')).toBe('year-end holidays');
    expect(name('2028-01-05T23:59:59Z')).toBe('year-end holidays');
    expect(name('2028-01-06T00:00:00Z')).toBeNull();
    expect(name('2027-12-20T00:00:00Z', 'support')).toBeNull();
    expect(name('2027-12-14T15:00:00Z', 'usage', acc({ timeZone: 'Asia/Tokyo' }))).toBe('year-end holidays');
    expect(name('2027-12-14T14:59:59Z', 'usage', acc({ timeZone: 'Asia/Tokyo' }))).toBeNull();
  });

  it('adds the summer break for education only', () => {
    const edu = acc({ vertical: 'education' });
    expect(name('2027-06-14T23:59:59Z', 'usage', edu)).toBeNull();
    expect(name('2027-06-15T00:00:00Z', 'usage', edu)).toBe('education summer break');
    expect(name('2027-08-31T23:59:59Z', 'usage', edu)).toBe('education summer break');
    expect(name('2027-09-01T00:00:00Z', 'usage', edu)).toBeNull();
    expect(name('2027-07-15T00:00:00Z', 'usage', acc({ vertical: 'retail' }))).toBeNull();
    expect(name('2027-07-15T00:00:00Z')).toBeNull();
  });

  it('can be limited to segments', () => {
    const p = resolvePolicy({
      earlyWarning: {
        overload: {
          seasonal: [
            {
              name: 'fiscal year end',
              from: '03-25',
              to: '03-31',
              groups: ['usage', 'engagement'],
              segments: ['smb'],
              verticals: [],
            },
          ],
        },
      },
    });
    expect(seasonalWindowAt(d('2027-03-28T00:00:00Z'), 'engagement', acc({ segment: 'smb' }), p)?.name).toBe(
      'fiscal year end',
    );
    expect(seasonalWindowAt(d('2027-03-28T00:00:00Z'), 'engagement', acc({ segment: 'enterprise' }), p)).toBeNull();
  });
});

describe('manual suppression windows', () => {
  const holidays: ManualSuppression = {
    from: '2027-07-01',
    to: '2027-07-14',
    groups: ['usage'],
    reason: 'office closed',
  };
  const ny = 'America/New_York';
  it('covers whole local days, inclusive, for the listed groups', () => {
    expect(manualSuppressionAt(d('2027-07-01T03:59:59Z'), 'usage', ny, [holidays])).toBeNull();
    expect(manualSuppressionAt(d('2027-07-01T04:00:00Z'), 'usage', ny, [holidays])?.suppression).toBe(holidays);
    expect(iso(manualSuppressionAt(d('2027-07-15T03:59:59Z'), 'usage', ny, [holidays])!.until)).toBe(
      '2027-07-15T04:00:00.000Z',
    );
    expect(manualSuppressionAt(d('2027-07-15T04:00:00Z'), 'usage', ny, [holidays])).toBeNull();
    expect(manualSuppressionAt(d('2027-07-05T00:00:00Z'), 'engagement', ny, [holidays])).toBeNull();
    expect(
      manualSuppressionAt(d('2027-07-05T00:00:00Z'), 'engagement', ny, [{ ...holidays, groups: [] }]),
    ).not.toBeNull();
  });

  it('takes instants as [from, to)', () => {
    const migration: ManualSuppression = {
      from: '2027-07-01T10:00:00Z',
      to: '2027-07-01T12:00:00Z',
      groups: ['usage'],
      reason: 'migration',
    };
    expect(manualSuppressionAt(d('2027-07-01T11:59:59Z'), 'usage', ny, [migration])).not.toBeNull();
    expect(manualSuppressionAt(d('2027-07-01T12:00:00Z'), 'usage', ny, [migration])).toBeNull();
  });

  it('validates a window', () => {
    expect(validateManualSuppression(holidays)).toEqual([]);
    expect(validateManualSuppression({ ...holidays, to: '2027-06-30' })).toEqual([
      { field: 'to', message: 'must be after from' },
    ]);
    expect(
      validateManualSuppression({ from: 'soon', to: '2027-07-14', groups: ['usage', 'nope'], reason: '' }).map(
        (e) => e.field,
      ),
    ).toEqual(['from', 'groups', 'reason']);
  });
});

describe('repeat and acknowledgement suppression', () => {
  const account: SeasonalAccount = { segment: 'mid_market', timeZone: 'UTC' };
  const candidate = (value = 30, severity: 'P1' | 'P0' = 'P1', ruleId: AlertRuleId = 'usage_drop'): AlertCandidate => ({
    ruleId,
    group: 'usage',
    severity,
    measure: { value, unit: 'percent', worseWhen: 'higher' },
  });
  const previous = (over: Partial<PreviousAlert> = {}): PreviousAlert => ({
    ruleId: 'usage_drop',
    severity: 'P1',
    measure: { value: 30, unit: 'percent', worseWhen: 'higher' },
    notifiedAt: '2027-03-01T00:00:00Z',
    ...over,
  });
  const decide = (c: AlertCandidate, prev: PreviousAlert | null, now: string, suppressions: ManualSuppression[] = []) =>
    suppressionDecision(c, { account, previous: prev, suppressions }, d(now), P);

  it('sends the first alert', () => {
    expect(decide(candidate(), null, '2027-03-01T00:00:00Z')).toEqual({
      suppressed: false,
      reason: null,
      until: null,
      detail: 'first alert',
    });
  });

  it('does not resend within 7 days unless worse', () => {
    expect(decide(candidate(), previous(), '2027-03-07T23:59:59Z')).toMatchObject({
      suppressed: true,
      reason: 'repeat',
      until: '2027-03-08T00:00:00.000Z',
    });
    expect(decide(candidate(), previous(), '2027-03-08T00:00:00Z')).toMatchObject({ suppressed: false });
    expect(decide(candidate(39.9), previous(), '2027-03-02T00:00:00Z')).toMatchObject({ suppressed: true });
    expect(decide(candidate(40), previous(), '2027-03-02T00:00:00Z')).toMatchObject({
      suppressed: false,
      detail: 'worsened since the last notification',
    });
    expect(decide(candidate(30, 'P0'), previous(), '2027-03-02T00:00:00Z')).toMatchObject({ suppressed: false });
  });

  it('an acknowledgement suppresses for 7 days from the acknowledgement, unless worse', () => {
    const acked = previous({ acknowledgedAt: '2027-03-03T00:00:00Z' });
    expect(decide(candidate(), acked, '2027-03-08T12:00:00Z')).toMatchObject({
      suppressed: true,
      reason: 'acknowledged',
      until: '2027-03-10T00:00:00.000Z',
    });
    expect(decide(candidate(), acked, '2027-03-10T00:00:00Z')).toMatchObject({ suppressed: false });
    expect(decide(candidate(45), acked, '2027-03-08T12:00:00Z')).toMatchObject({
      suppressed: false,
      detail: 'worsened since acknowledged',
    });
  });

  it('planned windows hold even when the alert worsens', () => {
    expect(decide(candidate(80), previous(), '2027-12-20T00:00:00Z')).toMatchObject({
      suppressed: true,
      reason: 'seasonal',
      until: '2028-01-06T00:00:00.000Z',
    });
    expect(decide(candidate(80), null, '2028-01-02T00:00:00Z')).toMatchObject({
      reason: 'seasonal',
      until: '2028-01-06T00:00:00.000Z',
    });
    const window: ManualSuppression = { from: '2027-05-01', to: '2027-05-03', groups: ['usage'], reason: 'migration' };
    expect(decide(candidate(80), null, '2027-05-02T00:00:00Z', [window])).toMatchObject({
      suppressed: true,
      reason: 'manual',
      until: '2027-05-04T00:00:00.000Z',
      detail: 'suppressed: migration',
    });
  });
});

describe('consolidation (one group, one account, 24 h)', () => {
  const a = (
    id: string,
    accountId: string,
    group: ConsolidationInput['group'],
    ruleId: AlertRuleId,
    severity: ConsolidationInput['severity'],
    createdAt: string,
    summary: string,
  ): ConsolidationInput => ({ id, accountId, group, ruleId, severity, createdAt, summary });
  const alerts = [
    a('1', 'A', 'usage', 'usage_drop', 'P2', '2027-03-01T10:00:00Z', 'active users down 30%'),
    a('2', 'A', 'usage', 'key_user_logins_drop', 'P1', '2027-03-01T15:00:00Z', "key users' logins down 50%"),
    a('3', 'A', 'support', 'ticket_surge', 'P2', '2027-03-01T11:00:00Z', '9 tickets in 30 days'),
    a('4', 'B', 'usage', 'usage_drop', 'P3', '2027-03-01T12:00:00Z', 'active users down 26%'),
    a('5', 'A', 'usage', 'session_time_drop', 'P3', '2027-03-02T09:59:59Z', 'session time down 40%'),
    a('6', 'A', 'usage', 'data_creation_drop', 'P2', '2027-03-02T10:00:00Z', 'data creation down 35%'),
  ];

  it("merges one account's alerts of one group within 24 h of the first, listing every metric", () => {
    const out = consolidateAlerts(alerts, P, (id) => (id === 'A' ? 'Account XYZ' : `Account ${id}`));
    expect(out.map((n) => [n.accountId, n.group, n.alertIds, n.severity, n.title])).toEqual([
      ['A', 'usage', ['1', '2', '5'], 'P1', 'Account XYZ: usage down across several metrics'],
      ['A', 'support', ['3'], 'P2', 'Account XYZ: 9 tickets in 30 days'],
      ['B', 'usage', ['4'], 'P3', 'Account B: active users down 26%'],
      ['A', 'usage', ['6'], 'P2', 'Account XYZ: data creation down 35%'],
    ]);
    expect(out[0]!.lines).toEqual(['active users down 30%', "key users' logins down 50%", 'session time down 40%']);
    expect(out[0]).toMatchObject({
      firstAt: '2027-03-01T10:00:00Z',
      lastAt: '2027-03-02T09:59:59Z',
      ruleIds: ['usage_drop', 'key_user_logins_drop', 'session_time_drop'],
    });
  });

  it('follows the policy window and the input order does not matter', () => {
    expect(consolidateAlerts([...alerts].reverse(), P).map((n) => n.alertIds)).toEqual([
      ['1', '2', '5'],
      ['3'],
      ['4'],
      ['6'],
    ]);
    const wider = resolvePolicy({ earlyWarning: { overload: { consolidationWindowHours: 25 } } });
    expect(consolidateAlerts(alerts, wider).map((n) => n.alertIds)).toEqual([['1', '2', '5', '6'], ['3'], ['4']]);
  });
});

describe("per-recipient delivery (each recipient's own time zone and timing)", () => {
  const iso = (d: Date) => d.toISOString();
  // Wednesday 10 March 2027, 06:30Z: 23:30 the evening before in Denver, 01:30 in New York, 15:30 in Tokyo.
  const raised = new Date('2027-03-10T06:30:00Z');

  it("holds a prompt P1 until the end of each recipient's own quiet hours", () => {
    expect(recipientDelivery('prompt', 'P1', raised, 'Asia/Tokyo', P)).toEqual({ at: raised, digest: null });
    expect(iso(recipientDelivery('prompt', 'P1', raised, 'America/New_York', P).at)).toBe('2027-03-10T13:00:00.000Z');
    expect(iso(recipientDelivery('prompt', 'P1', raised, 'America/Denver', P).at)).toBe('2027-03-10T15:00:00.000Z');
  });

  it('sends a P0 at once in every time zone, quiet hours or not', () => {
    for (const zone of ['Asia/Tokyo', 'America/New_York', 'America/Denver', 'Pacific/Kiritimati'])
      expect(recipientDelivery('immediate', 'P0', raised, zone, P)).toEqual({ at: raised, digest: null });
    expect(recipientDelivery('quiet_hours', 'P0', raised, 'America/New_York', P)).toEqual({ at: raised, digest: null });
  });

  it('puts digests at 09:00 local of the recipient and names the digest', () => {
    expect(recipientDelivery('daily_digest', 'P2', raised, 'Asia/Tokyo', P)).toEqual({
      at: new Date('2027-03-11T00:00:00Z'),
      digest: 'daily',
    });
    expect(recipientDelivery('daily_digest', 'P2', raised, 'America/New_York', P)).toEqual({
      at: new Date('2027-03-10T14:00:00Z'),
      digest: 'daily',
    });
    // The weekly digest: Monday 15 March, 09:00 in New York, the first day of US daylight saving time (EDT, -4).
    expect(recipientDelivery('weekly_digest', 'P3', raised, 'America/New_York', P)).toEqual({
      at: new Date('2027-03-15T13:00:00Z'),
      digest: 'weekly',
    });
    expect(recipientDelivery('weekly_digest', 'P3', raised, 'Europe/Berlin', P)).toEqual({
      at: new Date('2027-03-15T08:00:00Z'),
      digest: 'weekly',
    });
  });

  it('times an escalation by quiet hours only', () => {
    expect(iso(recipientDelivery('quiet_hours', 'P2', raised, 'America/New_York', P).at)).toBe(
      '2027-03-10T13:00:00.000Z',
    );
    expect(recipientDelivery('quiet_hours', 'P2', raised, 'Asia/Tokyo', P)).toEqual({ at: raised, digest: null });
  });

  it("takes the most urgent of a person's timings", () => {
    expect(mostUrgentTiming(['weekly_digest', 'daily_digest'])).toBe('daily_digest');
    expect(mostUrgentTiming(['daily_digest', 'prompt', 'weekly_digest'])).toBe('prompt');
    expect(mostUrgentTiming(['prompt', 'immediate'])).toBe('immediate');
    expect(() => mostUrgentTiming([])).toThrow(RangeError);
  });
});

describe('workflowNotificationDelivery (§5.5: quiet hours and digests for every notification)', () => {
  const zone = 'America/New_York';
  it.each<[string, string, string, string, 'daily' | null]>([
    [
      'an overdue task at 02:00 local waits for 08:00',
      'task_overdue',
      '2027-03-03T07:00:00Z',
      '2027-03-03T13:00:00.000Z',
      null,
    ],
    [
      'an overdue task at 10:00 local goes at once',
      'task_overdue',
      '2027-03-03T15:00:00Z',
      '2027-03-03T15:00:00.000Z',
      null,
    ],
    [
      'a declining week at 21:00 local waits for 08:00',
      'monitoring_declining',
      '2027-03-04T02:00:00Z',
      '2027-03-04T13:00:00.000Z',
      null,
    ],
    [
      'renewal day without a decision at 02:00 goes at once',
      'no_decision_on_renewal_day',
      '2027-03-03T07:00:00Z',
      '2027-03-03T07:00:00.000Z',
      null,
    ],
    ['a relapse at 02:00 goes at once', 'monitoring_relapse', '2027-03-03T07:00:00Z', '2027-03-03T07:00:00.000Z', null],
    [
      'a win-back touchpoint at 10:00 waits for the next 09:00 digest',
      'win_back_touchpoint',
      '2027-03-03T15:00:00Z',
      '2027-03-04T14:00:00.000Z',
      'daily',
    ],
  ])('%s', (_, kind, createdAt, expectedAt, digest) => {
    expect(workflowNotificationDelivery(kind, new Date(createdAt), zone, DEFAULT_POLICY)).toEqual({
      at: new Date(expectedAt),
      digest,
    });
  });
});
