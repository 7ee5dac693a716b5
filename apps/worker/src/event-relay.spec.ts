import type { InboxRow } from '@retain/persistence';
import { MAX_SIGNAL_BYTES, signalBatches, signalOf } from './event-relay';

/** How the relay cuts a pass's rows into signals (the pass itself: test/integration/event-relay.spec.ts). */
describe('signalBatches', () => {
  const row = (n: number, account: string, text = ''): InboxRow => ({
    source: 'crm',
    event_id: `e-${n}`,
    account_id: account,
    type: 'survey_comment',
    occurred_at: new Date(Date.UTC(2026, 11, 1, 0, 0, n)),
    payload: { text, sentiment: 'neutral' },
  });

  it('gives each account its rows in their order, accounts in the order their first row came, at most maxEvents a signal', () => {
    const rows = [row(1, 'b'), row(2, 'a'), row(3, 'b'), row(4, 'b'), row(5, 'a'), row(6, 'b')];
    const ids = signalBatches(rows, 3).map((account) => account.map((s) => s.events.map((e) => e.eventId)));
    expect(ids).toEqual([[['crm:e-1', 'crm:e-3', 'crm:e-4'], ['crm:e-6']], [['crm:e-2', 'crm:e-5']]]);
    const [b] = signalBatches(rows, 3);
    expect(b![0]!.rows.map((r) => r.event_id)).toEqual(['e-1', 'e-3', 'e-4']);
    expect(b![0]!.accountId).toBe('b');
  });

  it('cuts a signal before it passes maxBytes of JSON, but always sends one event, however long', () => {
    const long = 'x'.repeat(5000);
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1, 'a', long));
    const one = JSON.stringify(signalOf(rows[0]!)).length;
    const signals = signalBatches(rows, 100, one * 3)[0]!;
    expect(signals.map((s) => s.events.length)).toEqual([3, 3, 3, 1]);
    expect(signals.flatMap((s) => s.rows.map((r) => r.event_id))).toEqual(rows.map((r) => r.event_id));
    expect(signalBatches(rows, 100, 10)[0]!.map((s) => s.events.length)).toEqual(Array(10).fill(1));
    // The default budget keeps a signal far below Temporal's 2 MB payload limit.
    expect(MAX_SIGNAL_BYTES).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('makes the signal of a row: `<source>:<event id>`, the instant as ISO text', () => {
    expect(signalOf(row(7, 'a'))).toEqual({
      eventId: 'crm:e-7',
      source: 'crm',
      accountId: 'a',
      type: 'survey_comment',
      occurredAt: '2026-12-01T00:00:07.000Z',
      payload: { text: '', sentiment: 'neutral' },
    });
  });
});
