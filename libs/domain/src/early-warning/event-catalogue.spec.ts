import { DEFAULT_POLICY } from '../policy/retain-policy';
import {
  INTEGRATION_EVENT_TYPES,
  validateEventPayload,
  validateIntegrationEvent,
  type IntegrationEvent,
  type IntegrationEventPayloads,
} from './event-catalogue';
import { applyEvent, initialSignalState } from './signal-state';

/** One realistic payload per event type. */
const SAMPLES: { [K in keyof IntegrationEventPayloads]: IntegrationEventPayloads[K] } = {
  usage_snapshot: { activeUsers: 120, keyUserLogins: 35, coreFeatureUsage: 410, sessionMinutes: 22.5, dataCreated: 80 },
  sponsor_departure: { contactName: 'Dana Lee', reason: 'departed' },
  champion_contact: { channel: 'call' },
  stakeholder_change: { who: 'VP Operations', description: 'budget owner moved to another division' },
  meeting_cancelled: { meetingKind: 'qbr', rescheduled: false },
  meeting_held: { meetingKind: 'check_in' },
  reply_time: { hours: 30 },
  nps: { score: 6 },
  csat: { score: 2 },
  survey_comment: { text: 'Thinking of switching', sentiment: 'negative' },
  public_review: { rating: 2, text: 'Slow support', site: 'G2' },
  csm_flag: { reason: 'Champion sounded evasive', level: 'at_risk' },
  support_ticket_opened: { ticketId: 'T-1', priority: 'P1' },
  support_ticket_escalated: { ticketId: 'T-1', to: 'engineering' },
  support_ticket_reopened: { ticketId: 'T-1' },
  support_ticket_resolved: { ticketId: 'T-1', supportCsat: 2, sentiment: 'negative' },
  budget_freeze: { scope: 'company', note: 'all new spend frozen until Q3' },
  layoffs: { sharePct: 12 },
  m_and_a: { kind: 'acquired', counterparty: 'BigCo' },
  leadership_change: { position: 'CFO' },
  strategic_pivot: { description: 'moving from B2B to B2C' },
  competitor_mention: { competitor: 'Rival', context: 'evaluation' },
  competitor_feature_request: { feature: 'SSO audit log', competitor: 'Rival' },
  data_export: { scope: 'full', records: 250_000 },
  contract_term_request: { requested: 'monthly' },
  payment_failure: { amountCents: 1_250_000, attempt: 2 },
  cancellation_inquiry: { channel: 'email' },
  downsell_request: { fromSeats: 10, toSeats: 8 },
  payment_recovery: { failedAttempts: 2, amountCents: 1_250_000 },
  seat_change: { seats: 95, licensedSeats: 100 },
  expansion_interest: { from: 'budget_holder', product: 'Analytics add-on' },
  health_score: { score: 47 },
  account_updated: { ownerCsmId: 'u-csm-9', csmManagerId: null, arrCents: 9_000_000 },
};

describe('event catalogue', () => {
  it('accepts a realistic payload of every type, and the reducer takes each', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...INTEGRATION_EVENT_TYPES].sort());
    const now = new Date('2027-03-01T00:00:00Z');
    for (const type of INTEGRATION_EVENT_TYPES) {
      expect([type, validateEventPayload(type, SAMPLES[type])]).toEqual([type, []]);
      expect(() =>
        applyEvent(
          initialSignalState(),
          { type, occurredAt: now.toISOString(), payload: SAMPLES[type] } as IntegrationEvent,
          now,
          DEFAULT_POLICY,
        ),
      ).not.toThrow();
    }
  });

  it('takes a downsell only when it cuts seats, and a payment recovery only after a failed attempt', () => {
    expect(validateEventPayload('downsell_request', { fromSeats: 10, toSeats: 0 })).toEqual([]);
    expect(validateEventPayload('downsell_request', { fromSeats: 10, toSeats: 10 })).toEqual([
      { field: 'toSeats', message: 'must be fewer than fromSeats (a downsell reduces seats)' },
    ]);
    expect(validateEventPayload('downsell_request', { fromSeats: 0, toSeats: 0 })).toEqual([
      { field: 'fromSeats', message: 'must be 1-1000000000000' },
    ]);
    expect(validateEventPayload('payment_recovery', { failedAttempts: 0 })).toEqual([
      { field: 'failedAttempts', message: 'must be 1-1000' },
    ]);
    expect(validateEventPayload('payment_recovery', { failedAttempts: 1 })).toEqual([]);
  });

  it("takes an account's profile in account_updated, null clearing a field", () => {
    expect(
      validateEventPayload('account_updated', {
        vertical: 'education',
        lifecycleStage: 'maturity',
        customerSince: '2023-06-15',
        executiveSponsor: { name: 'Dana Lee', email: 'dana.lee@acme.example', title: 'CFO' },
        champion: { name: 'Sam Ito', email: null },
      }),
    ).toEqual([]);
    expect(
      validateEventPayload('account_updated', {
        vertical: null,
        executiveSponsor: null,
        champion: null,
        lifecycleStage: null,
        customerSince: null,
      }),
    ).toEqual([]);
  });

  it('accepts optional fields absent or null', () => {
    expect(validateEventPayload('usage_snapshot', { activeUsers: 0 })).toEqual([]);
    expect(
      validateEventPayload('support_ticket_resolved', { ticketId: 'T-1', supportCsat: null, sentiment: null }),
    ).toEqual([]);
  });

  it.each([
    ['usage_snapshot', { activeUsers: -1 }, [{ field: 'activeUsers', message: 'must be 0-1000000000000' }]],
    ['payment_failure', { amountCents: 1e300 }, [{ field: 'amountCents', message: 'must be 0-10000000000000' }]],
    ['health_score', { score: 50, constructor: 1 }, [{ field: 'constructor', message: 'unknown field' }]],
    [
      'nps',
      { score: 5, toString: 'x', hasOwnProperty: 1 },
      [
        { field: 'toString', message: 'unknown field' },
        { field: 'hasOwnProperty', message: 'unknown field' },
      ],
    ],
    [
      'survey_comment',
      { text: 'lone \ud800 half', sentiment: 'neutral' },
      [{ field: 'text', message: 'must not contain U+0000 or an unpaired UTF-16 surrogate' }],
    ],
    ['account_updated', {}, [{ field: 'payload', message: 'must change at least one account fact' }]],
    [
      'account_updated',
      { ownerCsmId: 'u 1' },
      [{ field: 'ownerCsmId', message: 'must be 1-128 letters, digits, dots, dashes or underscores' }],
    ],
    [
      'account_updated',
      { timeZone: 'Mars/Olympus' },
      [{ field: 'timeZone', message: 'must be an IANA time zone such as Asia/Jakarta' }],
    ],
    ['account_updated', { ownerCsmId: null }, [{ field: 'ownerCsmId', message: 'may not be cleared (null)' }]],
    [
      'account_updated',
      { vertical: 'schools' },
      [
        {
          field: 'vertical',
          message:
            'must be one of education, healthcare, financial_services, retail, public_sector, technology, manufacturing, other',
        },
      ],
    ],
    [
      'account_updated',
      { customerSince: '2023-02-30' },
      [{ field: 'customerSince', message: 'must be a calendar date written YYYY-MM-DD' }],
    ],
    [
      'account_updated',
      { lifecycleStage: 'teenage' },
      [{ field: 'lifecycleStage', message: 'must be one of onboarding, adoption, maturity, renewal' }],
    ],
    [
      'account_updated',
      { executiveSponsor: { email: 'dana@acme' } },
      [
        { field: 'executiveSponsor.name', message: 'must be a non-empty string' },
        { field: 'executiveSponsor.email', message: 'must be an email address' },
      ],
    ],
    [
      'account_updated',
      { champion: { name: 'Sam', phone: '555' } },
      [{ field: 'champion.phone', message: 'unknown field' }],
    ],
    [
      'account_updated',
      { champion: 'Sam Ito' },
      [{ field: 'champion', message: 'must be an object { name, email?, title? } or null' }],
    ],
    [
      'usage_snapshot',
      { activeUsers: 10, sessionMinutes: '5' },
      [{ field: 'sessionMinutes', message: 'must be a number' }],
    ],
    ['usage_snapshot', {}, [{ field: 'activeUsers', message: 'is required' }]],
    ['nps', { score: 11 }, [{ field: 'score', message: 'must be 0-10' }]],
    ['nps', { score: 6.5 }, [{ field: 'score', message: 'must be a whole number' }]],
    ['csat', { score: 0 }, [{ field: 'score', message: 'must be 1-5' }]],
    ['health_score', { score: 100.5 }, [{ field: 'score', message: 'must be 0-100' }]],
    ['seat_change', { seats: 10, licensedSeats: 0 }, [{ field: 'licensedSeats', message: expect.stringMatching(/1/) }]],
    ['expansion_interest', { from: 'intern' }, [{ field: 'from', message: expect.stringMatching(/budget_holder/) }]],
    ['health_score', { score: Number.NaN }, [{ field: 'score', message: 'must be a number' }]],
    [
      'support_ticket_opened',
      { ticketId: 'T-1', priority: 'urgent' },
      [{ field: 'priority', message: 'must be one of P1, P2, P3, P4' }],
    ],
    ['stakeholder_change', { who: ' ', description: 'x' }, [{ field: 'who', message: 'must be a non-empty string' }]],
    [
      'leadership_change',
      { position: 'x'.repeat(201) },
      [{ field: 'position', message: 'must be at most 200 characters' }],
    ],
    [
      'survey_comment',
      { text: 'fine\u0000', sentiment: 'neutral' },
      [{ field: 'text', message: 'must not contain U+0000 or an unpaired UTF-16 surrogate' }],
    ],
    [
      'meeting_cancelled',
      { meetingKind: 'qbr', rescheduled: 'yes' },
      [{ field: 'rescheduled', message: 'must be true or false' }],
    ],
    ['payment_failure', { amountCents: 100, currency: 'USD' }, [{ field: 'currency', message: 'unknown field' }]],
    ['nps', [], [{ field: 'payload', message: 'must be an object' }]],
  ])('%s %j → %j', (type, payload, errors) => {
    expect(validateEventPayload(type, payload)).toEqual(errors);
  });

  it('refuses an unknown type', () => {
    expect(validateEventPayload('usage_spike', {})).toEqual([
      { field: 'type', message: expect.stringContaining('unknown event type') },
    ]);
  });

  it('validates a whole event: type, instant with a zone, payload fields prefixed', () => {
    expect(
      validateIntegrationEvent({ type: 'nps', occurredAt: '2027-03-01T09:00:00+09:00', payload: { score: 9 } }),
    ).toEqual([]);
    expect(validateIntegrationEvent({ type: 'nps', occurredAt: '2027-03-01', payload: { score: 12 } })).toEqual([
      { field: 'occurredAt', message: 'must be an ISO-8601 instant with a time zone, naming a real date and time' },
      { field: 'payload.score', message: 'must be 0-10' },
    ]);
    const occurredAtErrors = (occurredAt: string, now?: Date) =>
      validateIntegrationEvent({ type: 'nps', occurredAt, payload: { score: 9 } }, now).map((e) => e.message);
    // Date.parse rolls 30 February over to 2 March; the rulebook refuses it.
    for (const impossible of [
      '2027-02-30T00:00:00Z',
      '2027-13-01T00:00:00Z',
      '2027-03-01T24:00:00Z',
      '2027-03-01T09:60:00Z',
      '2027-03-01T09:00:00+15:00',
    ]) {
      expect([impossible, occurredAtErrors(impossible)]).toEqual([
        impossible,
        ['must be an ISO-8601 instant with a time zone, naming a real date and time'],
      ]);
    }
    const now = new Date('2027-03-01T09:00:00Z');
    expect(occurredAtErrors('2999-01-01T00:00:00Z', now)).toEqual(['is in the future']);
    expect(occurredAtErrors('2027-03-01T09:04:59Z', now)).toEqual([]);
    expect(occurredAtErrors('2027-03-01T09:05:01Z', now)).toEqual(['is in the future']);
    expect(occurredAtErrors('1999-12-31T23:59:59Z', now)).toEqual(['is before 2000-01-01T00:00:00Z']);
    expect(occurredAtErrors('2024-02-29T12:00:00.123456Z', now)).toEqual([]);
    expect(validateIntegrationEvent({ type: 'nps', occurredAt: '2027-03-01T09:00:00Z' })).toEqual([
      { field: 'payload', message: 'must be an object' },
    ]);
    expect(validateIntegrationEvent('nps')).toEqual([{ field: 'event', message: 'must be an object' }]);
  });
});
