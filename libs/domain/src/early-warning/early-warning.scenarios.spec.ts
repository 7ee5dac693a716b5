/**
 * The two scenarios of the early-warning issue, end to end through the pure pieces:
 * events → signal state → rules → severity and routing → suppression → delivery time.
 */
import { DEFAULT_POLICY } from '../policy/retain-policy';
import { addDays, localDateAt } from '../time/local-time';
import { evaluateAlertRules, type EarlyWarningAccount } from './alert-rules';
import type { IntegrationEvent } from './event-catalogue';
import { deliveryTime, deliveryWindowFor, inQuietHours, suppressionDecision } from './overload';
import { routeAlert } from './severity-routing';
import { applyEvent, initialSignalState } from './signal-state';

const P = DEFAULT_POLICY;
const DAY = 86_400_000;

describe('scenario: executive sponsor departure on a $150K enterprise account, renewal in 45 days', () => {
  const timeZone = 'America/Chicago';
  // 23:00 on 2027-09-14 in Chicago (CDT, UTC-5).
  const now = new Date('2027-09-15T04:00:00Z');
  const account: EarlyWarningAccount = {
    id: 'acme',
    name: 'Acme',
    segment: 'enterprise',
    arrCents: 15_000_000,
    renewalDate: addDays(localDateAt(now, timeZone), 45),
    timeZone,
  };
  const event: IntegrationEvent = {
    type: 'sponsor_departure',
    occurredAt: now.toISOString(),
    payload: { reason: 'departed', contactName: 'Dana Lee' },
  };
  const state = applyEvent(initialSignalState(), event, now, P);
  const alerts = evaluateAlertRules(state, now, P, account);
  const routed = routeAlert(alerts[0]!, account, P);

  it('is a P0 alert', () => {
    expect(localDateAt(now, timeZone)).toBe('2027-09-14');
    expect(alerts.map((a) => a.ruleId)).toEqual(['sponsor_departure']);
    expect(routed).toMatchObject({
      baseSeverity: 'P0',
      severity: 'P0',
      daysToRenewal: 45,
      responseSlaHours: 4,
      respondBy: '2027-09-15T08:00:00.000Z',
    });
  });

  it('goes to the CSM, the CSM manager and the sales rep, at once, by SMS too', () => {
    expect(routed.recipients.map((r) => [r.role, r.timing])).toEqual([
      ['csm', 'immediate'],
      ['csm_manager', 'immediate'],
      ['sales_rep', 'immediate'],
    ]);
    expect(routed.recipients.every((r) => r.channels.includes('sms') && r.channels.includes('instant_message'))).toBe(
      true,
    );
    expect(routed.escalations[0]).toEqual({ level: 1, role: 'csm_manager', at: '2027-09-15T08:00:00.000Z' });
  });

  it('is delivered immediately although it is 23:00 local', () => {
    expect(suppressionDecision(routed, { account }, now, P).suppressed).toBe(false);
    expect(inQuietHours(now, timeZone, P)).toBe(true);
    expect(deliveryTime('P0', now, timeZone, P)).toEqual(now);
    for (const r of routed.recipients)
      expect(deliveryWindowFor(r.timing, routed.severity, now, timeZone, P).at).toEqual(now);
    // The same alert one level lower would wait for 08:00 local.
    expect(deliveryTime('P1', now, timeZone, P).toISOString()).toBe('2027-09-15T13:00:00.000Z');
  });
});

describe('scenario: a 30% usage drop on a $5K SMB account', () => {
  const timeZone = 'America/Denver';
  // Daily snapshots at 12:00 local (MDT, UTC-6): 200 active users for 60 days, then 140 (down 30%).
  const dropStart = Date.parse('2027-05-01T18:00:00Z');
  const now = new Date(dropStart + 14 * DAY + 2.5 * 3_600_000); // 14:30 local on 2027-05-15
  const account: EarlyWarningAccount = {
    id: 'smallco',
    segment: 'smb',
    arrCents: 500_000,
    renewalDate: addDays(localDateAt(now, timeZone), 120),
    timeZone,
  };
  let state = initialSignalState();
  for (let d = -60; d <= 14; d++) {
    const at = new Date(dropStart + d * DAY);
    state = applyEvent(
      state,
      { type: 'usage_snapshot', occurredAt: at.toISOString(), payload: { activeUsers: d < 0 ? 200 : 140 } },
      at,
      P,
    );
  }
  const alerts = evaluateAlertRules(state, now, P, account);
  const routed = routeAlert(alerts[0]!, account, P);

  it('triggers the usage-drop rule (SMB threshold 25%) with its measured values', () => {
    expect(alerts.map((a) => a.ruleId)).toEqual(['usage_drop']);
    expect(alerts[0]).toMatchObject({
      measure: { value: 30, unit: 'percent' },
      details: { thresholdPct: 25, baseline: 200, latest: 140 },
    });
  });

  it('is P2: the P1 usage drop lowered one level for ARR under $10K', () => {
    expect(routed.severity).toBe('P2');
    expect(routed.adjustments.map((a) => [a.modifier, a.from, a.to])).toEqual([['arr', 'P1', 'P2']]);
    expect(routed.recipients).toEqual([
      {
        role: 'csm',
        channels: ['dashboard', 'daily_digest'],
        timing: 'daily_digest',
        reason: 'account CSM (assignee)',
      },
    ]);
    expect(routed.responseSlaHours).toBe(72);
  });

  it('is delivered in the next daily digest at 09:00 local', () => {
    expect(suppressionDecision(routed, { account }, now, P).suppressed).toBe(false);
    expect(deliveryTime(routed.severity, now, timeZone, P).toISOString()).toBe('2027-05-16T15:00:00.000Z'); // 09:00 MDT
    // Had it triggered before 09:00 local, that morning's digest.
    expect(deliveryTime('P2', new Date('2027-05-15T14:59:00Z'), timeZone, P).toISOString()).toBe(
      '2027-05-15T15:00:00.000Z',
    );
  });
});
