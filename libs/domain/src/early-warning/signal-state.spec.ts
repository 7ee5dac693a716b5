import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import type { IntegrationEvent, IntegrationEventPayloads, IntegrationEventType } from './event-catalogue';
import {
  applyEvent,
  eventRetentionDays,
  initialSignalState,
  signalStateSettings,
  ticketRetentionDays,
  usageChangePct,
  usageRetentionDays,
  type AccountSignalState,
} from './signal-state';

const DAY = 86_400_000;
const T0 = Date.parse('2027-03-01T00:00:00Z');
const at = (d: number) => new Date(T0 + d * DAY);
type Ev = { [K in IntegrationEventType]: [number, K, IntegrationEventPayloads[K]] }[IntegrationEventType];

/** Applies events in the order given (arrival order), each with `now` = its day unless `now` is set. */
function fold(
  events: Ev[],
  policy: RetainPolicy = DEFAULT_POLICY,
  now?: number,
  from: AccountSignalState = initialSignalState(),
): AccountSignalState {
  return events.reduce(
    (s, [d, type, payload]) =>
      applyEvent(s, { type, occurredAt: at(d).toISOString(), payload } as IntegrationEvent, at(now ?? d), policy),
    from,
  );
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

describe('applyEvent', () => {
  it('never mutates the state it is given and records when tracking started', () => {
    const before = deepFreeze(fold([[5, 'nps', { score: 9 }]]));
    const after = applyEvent(
      before,
      { type: 'nps', occurredAt: at(3).toISOString(), payload: { score: 4 } },
      at(6),
      DEFAULT_POLICY,
    );
    expect(before.nps).toEqual([{ at: at(5).toISOString(), score: 9 }]);
    expect(after.nps.map((r) => r.score)).toEqual([4, 9]);
    expect(after.trackingSince).toBe(at(3).toISOString());
  });

  it('refuses an invalid payload', () => {
    expect(() =>
      applyEvent(
        initialSignalState(),
        { type: 'nps', occurredAt: at(0).toISOString(), payload: { score: 12 } },
        at(0),
        DEFAULT_POLICY,
      ),
    ).toThrow(RangeError);
    expect(() =>
      applyEvent(
        initialSignalState(),
        { type: 'nps', occurredAt: 'yesterday', payload: { score: 1 } },
        at(0),
        DEFAULT_POLICY,
      ),
    ).toThrow(/not an instant/);
  });

  it('keeps one usage snapshot per UTC day, the latest of the day, in time order', () => {
    const s = fold([
      [1.25, 'usage_snapshot', { activeUsers: 10 }],
      [1.75, 'usage_snapshot', { activeUsers: 12 }],
      [1.5, 'usage_snapshot', { activeUsers: 11 }], // arrives late: older than the one kept
      [0.5, 'usage_snapshot', { activeUsers: 9, keyUserLogins: 3 }],
    ]);
    expect(s.usage.map((u) => [u.at, u.activeUsers, u.keyUserLogins])).toEqual([
      [at(0.5).toISOString(), 9, 3],
      [at(1.75).toISOString(), 12, null],
    ]);
  });

  it('keeps usage only as long as the longest usage rule looks back', () => {
    expect(usageRetentionDays(DEFAULT_POLICY)).toBe(60 + 45 + 7);
    const s = fold([
      [0, 'usage_snapshot', { activeUsers: 1 }],
      [112, 'usage_snapshot', { activeUsers: 2 }],
    ]);
    expect(s.usage).toHaveLength(2);
    expect(
      fold([[113, 'usage_snapshot', { activeUsers: 3 }]], DEFAULT_POLICY, undefined, s).usage.map((u) => u.activeUsers),
    ).toEqual([2, 3]);
  });

  it('keeps the latest NPS pair, the CSAT trend, the newest health score and flag', () => {
    const s = fold([
      [0, 'nps', { score: 9 }],
      [1, 'nps', { score: 8 }],
      [2, 'nps', { score: 5 }],
      ...[5, 4, 3, 2].map((score, i): Ev => [i, 'csat', { score }]),
      [4, 'health_score', { score: 70 }],
      [3, 'health_score', { score: 30 }],
      [4, 'csm_flag', { reason: 'all good now', level: 'cleared' }],
      [3, 'csm_flag', { reason: 'worried', level: 'at_risk' }],
      [2, 'champion_contact', { channel: 'email' }],
      [1, 'champion_contact', { channel: 'call' }],
    ]);
    expect(s.nps.map((r) => r.score)).toEqual([8, 5]);
    expect(s.csat.map((r) => r.score)).toEqual([4, 3, 2]);
    expect(s.health?.score).toBe(70);
    expect(s.csmFlag?.level).toBe('cleared');
    expect(s.championLastContactAt).toBe(at(2).toISOString());
  });

  it('keeps what a survey comment mentions, not its text', () => {
    const s = fold([
      [0, 'survey_comment', { text: 'Frustrated; we may SWITCH to a competitor', sentiment: 'neutral' }],
    ]);
    expect(s.events.survey_comment).toEqual([
      { at: at(0).toISOString(), value: 0, note: 'switch, frustrat, competitor' },
    ]);
  });

  it('caps one-off signals per type and drops them after their longest window', () => {
    expect(eventRetentionDays(DEFAULT_POLICY)).toBe(90);
    const many = Array.from({ length: 60 }, (_, i): Ev => [
      i / 100,
      'competitor_mention',
      { competitor: `R${i}`, context: 'question' },
    ]);
    const s = fold(many);
    expect(s.events.competitor_mention).toHaveLength(50);
    expect(s.events.competitor_mention?.[0]?.note).toBe('R10: question');
    expect(fold([[91, 'nps', { score: 9 }]], DEFAULT_POLICY, undefined, s).events.competitor_mention).toBeUndefined();
  });

  it('tracks tickets through their lifecycle, out of order too', () => {
    const s = fold([
      [2, 'support_ticket_resolved', { ticketId: 'T-1' }],
      [1, 'support_ticket_opened', { ticketId: 'T-1', priority: 'P2' }],
      [3, 'support_ticket_reopened', { ticketId: 'T-2' }],
    ]);
    expect(s.tickets).toEqual([
      {
        id: 'T-1',
        priority: 'P2',
        openedAt: at(1).toISOString(),
        openSeen: true,
        status: 'resolved',
        reopens: 0,
        updatedAt: at(2).toISOString(),
      },
      {
        id: 'T-2',
        priority: null,
        openedAt: at(3).toISOString(),
        openSeen: false,
        status: 'open',
        reopens: 1,
        updatedAt: at(3).toISOString(),
      },
    ]);
    expect(s.ticketsSince).toBe(at(1).toISOString());
  });

  it('forgets resolved tickets after the surge windows, keeps open ones, and caps the list', () => {
    expect(ticketRetentionDays(DEFAULT_POLICY)).toBe(120);
    const s = fold([
      [0, 'support_ticket_opened', { ticketId: 'open', priority: 'P3' }],
      [0, 'support_ticket_opened', { ticketId: 'done', priority: 'P3' }],
      [1, 'support_ticket_resolved', { ticketId: 'done' }],
      [121, 'health_score', { score: 80 }],
    ]);
    expect(s.tickets.map((k) => k.id)).toEqual(['open']);
    const small = resolvePolicy({ earlyWarning: { support: { maxTrackedTickets: 3 } } });
    const capped = fold(
      [
        [0, 'support_ticket_opened', { ticketId: 'o1', priority: 'P3' }],
        [1, 'support_ticket_opened', { ticketId: 'r1', priority: 'P3' }],
        [2, 'support_ticket_opened', { ticketId: 'r2', priority: 'P3' }],
        [3, 'support_ticket_resolved', { ticketId: 'r1' }],
        [3, 'support_ticket_resolved', { ticketId: 'r2' }],
        [4, 'support_ticket_opened', { ticketId: 'o2', priority: 'P3' }],
      ],
      small,
    );
    expect(capped.tickets.map((k) => k.id).sort()).toEqual(['o1', 'o2', 'r2']);
  });

  it('keeps only as many meetings and replies as the rules read', () => {
    const s = fold([
      ...Array.from({ length: 6 }, (_, i): Ev => [i, 'meeting_cancelled', { meetingKind: 'qbr' }]),
      ...Array.from({ length: 80 }, (_, i): Ev => [i / 10, 'reply_time', { hours: i }]),
    ]);
    expect(s.meetings).toHaveLength(3);
    expect(s.replies).toHaveLength(50);
    expect(s.replies[0]?.hours).toBe(30);
  });
});

describe('usageChangePct (§4.10: every usage snapshot is a reading)', () => {
  const snapshots = (values: Array<[number, number]>): Ev[] =>
    values.map(([d, activeUsers]): Ev => [d, 'usage_snapshot', { activeUsers }]);
  it.each<[string, Array<[number, number]>, number, number | null]>([
    [
      'down 30% against the mean of the 60 days before',
      [
        [0, 100],
        [10, 100],
        [20, 100],
        [30, 70],
      ],
      30,
      -30,
    ],
    [
      'a recovery is a reading too',
      [
        [0, 100],
        [10, 60],
        [20, 80],
        [30, 110],
      ],
      30,
      37.5,
    ],
    [
      'unchanged',
      [
        [0, 100],
        [10, 100],
        [20, 100],
        [30, 100],
      ],
      30,
      0,
    ],
    [
      'fewer than 3 baseline snapshots: no baseline yet',
      [
        [0, 100],
        [10, 100],
        [30, 70],
      ],
      30,
      null,
    ],
    [
      'snapshots older than 60 days are not the baseline',
      [
        [0, 100],
        [10, 100],
        [20, 100],
        [80, 50],
      ],
      80,
      null,
    ],
    [
      'no snapshot at that instant',
      [
        [0, 100],
        [10, 100],
        [20, 100],
        [30, 70],
      ],
      31,
      null,
    ],
  ])('%s', (_, values, day, expected) => {
    expect(usageChangePct(fold(snapshots(values)), at(day).toISOString(), DEFAULT_POLICY)).toBe(expected);
  });
});

describe('signalStateSettings: everything of the policy the signal state depends on', () => {
  /** The policy (not frozen: a proxy must give a frozen property as it is), recording the path of every setting read through it (lists are read whole). */
  function recording(policy: RetainPolicy, read: Set<string>): RetainPolicy {
    const wrap = (value: object, path: string): object =>
      new Proxy(value, {
        get(target, key, receiver) {
          const v: unknown = Reflect.get(target, key, receiver);
          if (typeof key !== 'string') return v;
          const at = path ? `${path}.${key}` : key;
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) return wrap(v, at);
          read.add(at);
          return v;
        },
      });
    return wrap(policy, '') as RetainPolicy;
  }
  // One event of every type the reducer folds, some twice or late, so every branch and every prune runs.
  const events: Ev[] = [
    [0, 'usage_snapshot', { activeUsers: 10, keyUserLogins: 2, sessionMinutes: 30.5 }],
    [1, 'usage_snapshot', { activeUsers: 12 }],
    [1, 'champion_contact', { channel: 'call' }],
    [2, 'meeting_cancelled', { meetingKind: 'training' }],
    [3, 'meeting_cancelled', { meetingKind: 'qbr', rescheduled: true }],
    [4, 'meeting_held', { meetingKind: 'check_in' }],
    [5, 'reply_time', { hours: 30 }],
    [6, 'nps', { score: 4 }],
    [7, 'csat', { score: 2 }],
    [8, 'health_score', { score: 35 }],
    [9, 'csm_flag', { reason: 'quiet', level: 'at_risk' }],
    [10, 'support_ticket_opened', { ticketId: 't1', priority: 'P1' }],
    [11, 'support_ticket_reopened', { ticketId: 't1' }],
    [12, 'support_ticket_escalated', { ticketId: 't1', to: 'engineering' }],
    [13, 'support_ticket_resolved', { ticketId: 't1', supportCsat: 2, sentiment: 'negative' }],
    [14, 'support_ticket_resolved', { ticketId: 't2' }],
    [15, 'survey_comment', { text: 'We are looking at a competitor', sentiment: 'negative' }],
    [16, 'public_review', { rating: 2, text: 'meh', site: 'G2' }],
    [17, 'sponsor_departure', { reason: 'departed', contactName: 'Ann' }],
    [18, 'stakeholder_change', { who: 'CFO', description: 'new budget owner' }],
    [19, 'budget_freeze', { scope: 'company' }],
    [20, 'layoffs', { sharePct: 10 }],
    [21, 'm_and_a', { kind: 'acquired', counterparty: 'BigCo' }],
    [22, 'leadership_change', { position: 'CEO' }],
    [23, 'strategic_pivot', { description: 'new market' }],
    [24, 'competitor_mention', { competitor: 'Rival', context: 'evaluation' }],
    [25, 'competitor_feature_request', { feature: 'SSO', competitor: 'Rival' }],
    [26, 'data_export', { scope: 'full', records: 1000 }],
    [27, 'contract_term_request', { requested: 'monthly' }],
    [28, 'payment_failure', { amountCents: 1000 }],
    [29, 'cancellation_inquiry', { channel: 'email' }],
    [30, 'seat_change', { seats: 5, licensedSeats: 10 }],
    [31, 'expansion_interest', { from: 'champion' }],
    [32, 'account_updated', { name: 'Acme' }],
    [3, 'usage_snapshot', { activeUsers: 11 }],
    [400, 'reply_time', { hours: 5 }],
  ];

  it('applyEvent reads no setting of the policy that signalStateSettings leaves out', () => {
    const byApply = new Set<string>();
    fold(events, recording(structuredClone(DEFAULT_POLICY), byApply));
    const bySettings = new Set<string>();
    signalStateSettings(recording(structuredClone(DEFAULT_POLICY), bySettings));
    // The reducer does read the policy (the check is not of an empty set).
    expect(byApply.size).toBeGreaterThan(10);
    expect([...byApply].filter((path) => !bySettings.has(path))).toEqual([]);
  });

  it('policies with the same settings fold the same state; a different retention gives different settings', () => {
    const stricter = resolvePolicy({ earlyWarning: { usage: { activeUsers: { dropPctBySegment: { smb: 10 } } } } });
    expect(signalStateSettings(stricter)).toEqual(signalStateSettings(DEFAULT_POLICY));
    expect(fold(events, stricter)).toEqual(fold(events, DEFAULT_POLICY));
    const longer = resolvePolicy({
      earlyWarning: { eventLookbackDays: DEFAULT_POLICY.earlyWarning.eventLookbackDays + 5 },
    });
    expect(signalStateSettings(longer)).not.toEqual(signalStateSettings(DEFAULT_POLICY));
  });
});
