import { DEFAULT_POLICY } from '../policy/retain-policy';
import type { IntegrationEvent } from '../early-warning/event-catalogue';
import {
  nextSignalExpiry,
  recordRenewalSignal,
  renewalSignalFromEvent,
  renewalSignalSettings,
  resolveSignalProblem,
  signalLive,
} from './renewal-signals';
import { classifyRenewalRisk } from './risk-classification';

const at = '2027-01-01T00:00:00Z';
const ev = (type: string, payload: unknown) => ({ type, occurredAt: at, payload }) as IntegrationEvent;
const settings = renewalSignalSettings(DEFAULT_POLICY)!;
const t0 = new Date(at);
const DAY = 86_400_000;

describe('renewal signals (§3: signals that expire, only decisive ones red on their own)', () => {
  it.each<[string, IntegrationEvent, string | null, boolean | null]>([
    [
      'a competitor evaluation',
      ev('competitor_mention', { competitor: 'Rival', context: 'evaluation' }),
      'competitive',
      true,
    ],
    [
      'one request for a competitor feature (medium)',
      ev('competitor_feature_request', { feature: 'Gantt' }),
      'competitive',
      false,
    ],
    ['a partial data export (medium)', ev('data_export', { scope: 'partial' }), 'competitive', false],
    ['a full data export', ev('data_export', { scope: 'full' }), 'competitive', true],
    ['a sponsor departure', ev('sponsor_departure', { reason: 'departed' }), 'stakeholder_change', true],
    ['a stakeholder change', ev('stakeholder_change', { who: 'CFO', description: 'left' }), 'stakeholder_change', true],
    ['a leadership change (medium)', ev('leadership_change', { position: 'CFO' }), 'stakeholder_change', false],
    ['a payment failure', ev('payment_failure', { amountCents: 100 }), 'commercial', true],
    ['a cancellation inquiry', ev('cancellation_inquiry', { channel: 'call' }), 'commercial', true],
    ['a health score', ev('health_score', { score: 40 }), null, null],
  ])('%s', (_, event, kind, decisive) => {
    const r = renewalSignalFromEvent(event);
    expect(r === null ? [null, null] : [r.kind, r.decisive]).toEqual([kind, decisive]);
  });

  const signal = (type: string, payload: unknown, id = type) =>
    recordRenewalSignal(renewalSignalFromEvent(ev(type, payload))!, id, 'crm', t0, settings);

  it.each<[string, ReturnType<typeof signal>[], number, string]>([
    [
      'one medium competitive signal: one family at risk, yellow',
      [signal('competitor_feature_request', { feature: 'x' })],
      1,
      'yellow',
    ],
    ['a leadership change: yellow', [signal('leadership_change', { position: 'CEO' })], 1, 'yellow'],
    [
      'a competitor evaluation: red',
      [signal('competitor_mention', { competitor: 'R', context: 'evaluation' })],
      1,
      'red',
    ],
    [
      'the evaluation 91 days on (expired): back to green',
      [signal('competitor_mention', { competitor: 'R', context: 'evaluation' })],
      91,
      'green',
    ],
    [
      'a feature request 46 days on (expired): green',
      [signal('competitor_feature_request', { feature: 'x' })],
      46,
      'green',
    ],
    [
      'two medium signals of two families: red',
      [signal('competitor_feature_request', { feature: 'x' }), signal('leadership_change', { position: 'CEO' })],
      1,
      'red',
    ],
  ])('%s', (_, signals, day, category) => {
    const now = new Date(t0.getTime() + day * DAY);
    expect(classifyRenewalRisk({ healthScore: 80, signals }, DEFAULT_POLICY, now).category).toBe(category);
  });

  it('a resolved signal no longer counts, and neither resolves twice nor without a reason', () => {
    const s = signal('competitor_mention', { competitor: 'R', context: 'question' }, 'crm:1');
    const now = new Date(t0.getTime() + DAY);
    expect(resolveSignalProblem([s], 'crm:2', 'x', now)).toEqual({ code: 'notFound', message: expect.any(String) });
    expect(resolveSignalProblem([s], 'crm:1', '  ', now)?.code).toBe('invalid');
    expect(resolveSignalProblem([s], 'crm:1', 'asked for a board report', now)).toBeNull();
    const resolved = { ...s, resolved: { at, by: 'csm-1', reason: 'board report' } };
    expect(signalLive(resolved, now)).toBe(false);
    expect(classifyRenewalRisk({ healthScore: 80, signals: [resolved] }, DEFAULT_POLICY, now).category).toBe('green');
    expect(resolveSignalProblem([resolved], 'crm:1', 'again', now)?.message).toMatch(/resolved already/);
    expect(resolveSignalProblem([s], 'crm:1', 'late', new Date(t0.getTime() + 91 * DAY))?.message).toMatch(/expired/);
  });

  it('wakes the renewal at the next expiry of a live signal', () => {
    const a = signal('competitor_feature_request', { feature: 'x' }, 'a');
    const b = signal('competitor_mention', { competitor: 'R', context: 'question' }, 'b');
    expect(nextSignalExpiry([a, b], t0)).toBe(t0.getTime() + 45 * DAY);
    expect(nextSignalExpiry([a, b], new Date(t0.getTime() + 50 * DAY))).toBe(t0.getTime() + 90 * DAY);
    expect(nextSignalExpiry([], t0)).toBeUndefined();
  });

  it('has no lifetimes in a policy from before them (such renewals keep signals for good)', () => {
    const { signals: _, ...renewal } = DEFAULT_POLICY.renewal;
    expect(renewalSignalSettings({ ...DEFAULT_POLICY, renewal } as typeof DEFAULT_POLICY)).toBeNull();
  });
});
