import { DEFAULT_POLICY, resolvePolicy } from '../policy/retain-policy';
import { addDays } from '../time/local-time';
import type { EarlyWarningAccount, TriggeredAlert } from './alert-rules';
import {
  alertRecipients,
  applySeverityModifiers,
  escalationSchedule,
  escalationStatus,
  mostSevere,
  responseSlaHours,
  routeAlert,
  shiftSeverity,
} from './severity-routing';

const NOW = new Date('2027-03-01T12:00:00Z');
const renewalIn = (days: number) => addDays('2027-03-01', days);
const account = (over: Partial<EarlyWarningAccount> = {}): EarlyWarningAccount => ({
  id: 'acc-1',
  segment: 'mid_market',
  arrCents: 5_000_000,
  renewalDate: renewalIn(120),
  timeZone: 'UTC',
  ...over,
});
const sev = (base: 'P0' | 'P1' | 'P2' | 'P3', over: Partial<EarlyWarningAccount>, policy = DEFAULT_POLICY) =>
  applySeverityModifiers(base, account(over), NOW, policy).severity;

describe('severity scale', () => {
  it('shifts towards P0 (positive) or P3 (negative) and clamps', () => {
    expect(shiftSeverity('P2', 1)).toBe('P1');
    expect(shiftSeverity('P1', -1)).toBe('P2');
    expect(shiftSeverity('P0', 1)).toBe('P0');
    expect(shiftSeverity('P3', -2)).toBe('P3');
    expect(shiftSeverity('P3', 5)).toBe('P0');
    expect(mostSevere(['P3', 'P1', 'P2'])).toBe('P1');
  });
});

describe('severity modifiers (docs/rulebook.md §5.4)', () => {
  it('ARR: $100K and over raises (P2 → P1), under $10K lowers (P1 → P2), between leaves it', () => {
    expect(sev('P2', { arrCents: 10_000_000 })).toBe('P1');
    expect(sev('P2', { arrCents: 9_999_999 })).toBe('P2');
    expect(sev('P1', { arrCents: 999_999 })).toBe('P2');
    expect(sev('P1', { arrCents: 1_000_000 })).toBe('P1');
  });

  it('renewal: under 60 days raises, 180 days or more lowers (seed 004), none known leaves it', () => {
    expect(sev('P2', { renewalDate: renewalIn(59) })).toBe('P1');
    expect(sev('P2', { renewalDate: renewalIn(60) })).toBe('P2');
    expect(sev('P2', { renewalDate: renewalIn(179) })).toBe('P2');
    expect(sev('P2', { renewalDate: renewalIn(180) })).toBe('P3');
    expect(sev('P2', { renewalDate: renewalIn(-3) })).toBe('P1');
    expect(sev('P2', { renewalDate: null })).toBe('P2');
    expect(
      sev(
        'P2',
        { renewalDate: renewalIn(200) },
        resolvePolicy({ earlyWarning: { severity: { renewal: { lowerFarRenewal: false } } } }),
      ),
    ).toBe('P2');
  });

  it("counts renewal days on the account's local calendar", () => {
    // 2027-03-01T16:00Z is already March 2 in Tokyo: a renewal on April 30 is 59 days away there, 60 in UTC.
    const late = new Date('2027-03-01T16:00:00Z');
    expect(
      applySeverityModifiers(
        'P2',
        account({ renewalDate: '2027-04-30', timeZone: 'Asia/Tokyo' }),
        late,
        DEFAULT_POLICY,
      ),
    ).toMatchObject({ severity: 'P1', daysToRenewal: 59 });
    expect(
      applySeverityModifiers('P2', account({ renewalDate: '2027-04-30', timeZone: 'UTC' }), late, DEFAULT_POLICY),
    ).toMatchObject({ severity: 'P2', daysToRenewal: 60 });
  });

  it('applies renewal proximity, then ARR, then segment, clamping at each step: the order matters', () => {
    // P0, renewal 200 days away, $150K: lowered to P1, raised back to P0.
    const d = applySeverityModifiers(
      'P0',
      account({ renewalDate: renewalIn(200), arrCents: 15_000_000 }),
      NOW,
      DEFAULT_POLICY,
    );
    expect(d).toMatchObject({ base: 'P0', severity: 'P0', daysToRenewal: 200 });
    expect(d.adjustments.map((a) => [a.modifier, a.from, a.to])).toEqual([
      ['renewal_proximity', 'P0', 'P1'],
      ['arr', 'P1', 'P0'],
    ]);
    // ARR first would lose its raise to the clamp: P0 → P0 → P1.
    expect(shiftSeverity(shiftSeverity('P0', +1), -1)).toBe('P1');
    // P3, renewal in 30 days, $5K: raised to P2, lowered back to P3 (ARR first: P3 → P3 → P2).
    expect(sev('P3', { renewalDate: renewalIn(30), arrCents: 500_000 })).toBe('P3');
    expect(shiftSeverity(shiftSeverity('P3', -1), +1)).toBe('P2');
  });

  it('records a clamped step and the segment shift, 0 by default', () => {
    const clamped = applySeverityModifiers(
      'P0',
      account({ renewalDate: renewalIn(10), arrCents: 50_000_000 }),
      NOW,
      DEFAULT_POLICY,
    );
    expect(clamped.severity).toBe('P0');
    expect(clamped.adjustments.map((a) => a.reason)).toEqual([
      'renewal in 10 days (under 60); already P0',
      'ARR $500,000 ($100,000 or more); already P0',
    ]);
    const p = resolvePolicy({ earlyWarning: { severity: { segmentShift: { enterprise: 1 } } } });
    expect(sev('P2', { segment: 'enterprise' })).toBe('P2');
    expect(sev('P2', { segment: 'enterprise' }, p)).toBe('P1');
    expect(
      applySeverityModifiers('P2', account({ segment: 'enterprise', arrCents: 500_000 }), NOW, p).adjustments.map(
        (a) => a.modifier,
      ),
    ).toEqual(['arr', 'segment']);
  });
});

describe('recipients and channels (docs/rulebook.md §5.1, §5.4)', () => {
  const roles = (
    ruleId: Parameters<typeof alertRecipients>[0],
    severity: 'P0' | 'P1' | 'P2' | 'P3',
    over: Partial<EarlyWarningAccount>,
    policy = DEFAULT_POLICY,
  ) => alertRecipients(ruleId, severity, account(over), NOW, policy);

  it.each<[string, 'P0' | 'P1', Partial<EarlyWarningAccount>, boolean]>([
    [
      'a P0 on a small SMB account far from its renewal',
      'P0',
      { segment: 'smb', renewalDate: renewalIn(200), arrCents: 500_000 },
      true,
    ],
    ['a P0 with no renewal known', 'P0', { segment: 'mid_market', renewalDate: null, arrCents: 500_000 }, true],
    ['a P1 on the same account', 'P1', { segment: 'smb', renewalDate: renewalIn(200), arrCents: 500_000 }, false],
  ])('§5.1: every P0 reaches the sales rep: %s -> %p', (_, severity, over, reached) => {
    const sales = roles('cancellation_inquiry', severity, over).find((r) => r.role === 'sales_rep');
    expect(sales !== undefined).toBe(reached);
    if (reached) expect(sales!.reason).toMatch(/every P0 reaches sales/);
  });

  it('P0 without everyP0: CSM and manager at once; sales for enterprise, high ARR, a renewal within 90 days, or a sponsor departure', () => {
    const p = resolvePolicy({ earlyWarning: { salesRep: { everyP0: false } } });
    expect(
      roles('cancellation_inquiry', 'P0', { segment: 'smb', renewalDate: renewalIn(200), arrCents: 5_000_000 }, p),
    ).toEqual([
      {
        role: 'csm',
        channels: ['instant_message', 'email', 'dashboard'],
        timing: 'immediate',
        reason: 'account CSM (assignee)',
      },
      {
        role: 'csm_manager',
        channels: ['instant_message', 'email'],
        timing: 'immediate',
        reason: 'P0 alerts reach the CSM manager',
      },
    ]);
    expect(
      roles('cancellation_inquiry', 'P0', { segment: 'smb', renewalDate: renewalIn(89) }, p).map((r) => r.role),
    ).toContain('sales_rep');
    expect(
      roles('cancellation_inquiry', 'P0', { segment: 'smb', renewalDate: renewalIn(90) }, p).map((r) => r.role),
    ).not.toContain('sales_rep');
    expect(
      roles('sponsor_departure', 'P0', { segment: 'smb', renewalDate: null }, p).find((r) => r.role === 'sales_rep')
        ?.reason,
    ).toBe('sponsor departure involves sales');
  });

  it('adds SMS to P0 sponsor departures and payment failures only', () => {
    expect(roles('payment_failure', 'P0', { segment: 'enterprise' }).map((r) => r.channels.includes('sms'))).toEqual([
      true,
      true,
      true,
    ]);
    expect(roles('cancellation_inquiry', 'P0', { segment: 'enterprise' }).some((r) => r.channels.includes('sms'))).toBe(
      false,
    );
    expect(roles('payment_failure', 'P1', { segment: 'enterprise' }).some((r) => r.channels.includes('sms'))).toBe(
      false,
    );
  });

  it('P1: CSM by email within the hour, the manager in the daily digest', () => {
    expect(roles('usage_drop', 'P1', { segment: 'smb' }).map((r) => [r.role, r.channels, r.timing])).toEqual([
      ['csm', ['email', 'dashboard'], 'prompt'],
      ['csm_manager', ['daily_digest'], 'daily_digest'],
    ]);
  });

  it('P2: the CSM only (dashboard and daily digest), plus sales for enterprise or high ARR', () => {
    expect(roles('usage_drop', 'P2', { segment: 'smb' }).map((r) => r.role)).toEqual(['csm']);
    expect(roles('usage_drop', 'P2', { segment: 'enterprise' }).map((r) => [r.role, r.timing])).toEqual([
      ['csm', 'daily_digest'],
      ['sales_rep', 'daily_digest'],
    ]);
    expect(roles('usage_drop', 'P2', { segment: 'smb', arrCents: 10_000_000 }).map((r) => r.role)).toEqual([
      'csm',
      'sales_rep',
    ]);
  });

  it('P3: the CSM only, dashboard and weekly digest, whatever the segment', () => {
    expect(roles('support_csat_low', 'P3', { segment: 'enterprise', arrCents: 50_000_000 })).toEqual([
      {
        role: 'csm',
        channels: ['dashboard', 'weekly_digest'],
        timing: 'weekly_digest',
        reason: 'account CSM (assignee)',
      },
    ]);
  });
});

describe('SLA and escalation (docs/rulebook.md §5.1, §5.2)', () => {
  it('has the response SLAs: P0 4 h, P1 24 h, P2 3 days, P3 14 days', () => {
    expect((['P0', 'P1', 'P2', 'P3'] as const).map((s) => responseSlaHours(s, DEFAULT_POLICY))).toEqual([
      4, 24, 72, 336,
    ]);
  });

  it('escalates a usage drop to the manager after 48 h, then up the chain every SLA period', () => {
    const created = new Date('2027-03-01T10:00:00Z');
    expect(escalationSchedule('usage_drop', 'P1', created, DEFAULT_POLICY)).toEqual([
      { level: 1, role: 'csm_manager', at: '2027-03-03T10:00:00.000Z' },
      { level: 2, role: 'director', at: '2027-03-04T10:00:00.000Z' },
      { level: 3, role: 'vp', at: '2027-03-05T10:00:00.000Z' },
    ]);
    expect(escalationSchedule('sponsor_departure', 'P0', created, DEFAULT_POLICY).map((s) => s.at)).toEqual([
      '2027-03-01T14:00:00.000Z',
      '2027-03-01T18:00:00.000Z',
      '2027-03-01T22:00:00.000Z',
    ]);
    expect(escalationSchedule('nps_drop', 'P3', created, DEFAULT_POLICY)[0]!.at).toBe('2027-03-15T10:00:00.000Z');
    // Lowered below its base (a small account) the usage drop keeps its 48 h; raised above it, its SLA comes first.
    expect(escalationSchedule('usage_drop', 'P2', created, DEFAULT_POLICY)[0]!.at).toBe('2027-03-03T10:00:00.000Z');
    expect(escalationSchedule('usage_drop', 'P0', created, DEFAULT_POLICY).map((s) => s.at)).toEqual([
      '2027-03-01T14:00:00.000Z',
      '2027-03-01T18:00:00.000Z',
      '2027-03-01T22:00:00.000Z',
    ]);
  });

  it('reports the level reached, stops when handled, and flags an overdue response', () => {
    const a = { ruleId: 'usage_drop' as const, severity: 'P1' as const, createdAt: '2027-03-01T10:00:00Z' };
    const h = (iso: string) => new Date(iso);
    expect(escalationStatus(a, h('2027-03-02T09:59:59Z'), DEFAULT_POLICY)).toMatchObject({
      level: 0,
      owner: 'csm',
      overdue: false,
      next: { level: 1, role: 'csm_manager' },
    });
    expect(escalationStatus(a, h('2027-03-02T10:00:00Z'), DEFAULT_POLICY)).toMatchObject({
      level: 0,
      overdue: true,
      respondBy: '2027-03-02T10:00:00.000Z',
    });
    expect(escalationStatus(a, h('2027-03-03T10:00:00Z'), DEFAULT_POLICY)).toMatchObject({
      level: 1,
      owner: 'csm_manager',
      next: { role: 'director' },
    });
    expect(escalationStatus(a, h('2027-03-09T00:00:00Z'), DEFAULT_POLICY)).toMatchObject({
      level: 3,
      owner: 'vp',
      next: null,
    });
    expect(
      escalationStatus({ ...a, handledAt: '2027-03-03T12:00:00Z' }, h('2027-03-09T00:00:00Z'), DEFAULT_POLICY),
    ).toMatchObject({ level: 1, owner: 'csm_manager', overdue: false, next: null });
  });
});

describe('routeAlert', () => {
  it('combines severity, recipients, SLA and escalation as of the trigger time', () => {
    const alert: TriggeredAlert = {
      ruleId: 'usage_drop',
      group: 'usage',
      accountId: 'acc-1',
      baseSeverity: 'P1',
      triggeredAt: NOW.toISOString(),
      summary: 'active users down 40%',
      measure: { value: 40, unit: 'percent', worseWhen: 'higher' },
      details: {},
    };
    const routed = routeAlert(
      alert,
      account({ segment: 'enterprise', arrCents: 20_000_000, renewalDate: renewalIn(100) }),
      DEFAULT_POLICY,
    );
    expect(routed).toMatchObject({
      severity: 'P0',
      responseSlaHours: 4,
      respondBy: '2027-03-01T16:00:00.000Z',
      daysToRenewal: 100,
    });
    expect(routed.recipients.map((r) => r.role)).toEqual(['csm', 'csm_manager', 'sales_rep']);
    expect(routed.escalations[0]).toEqual({ level: 1, role: 'csm_manager', at: '2027-03-01T16:00:00.000Z' });
  });
});
