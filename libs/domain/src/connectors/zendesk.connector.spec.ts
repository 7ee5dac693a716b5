import { ZENDESK, mapZendeskEvent } from './zendesk.connector';
import type { VendorEvent } from './connector-mapping';

/** A Zendesk event-subscribed webhook body (zendesk_event_version 2022-11-06): ids as strings, enums upper case. */
const ev = (type: string, detail: Record<string, unknown>, event: Record<string, unknown> = {}): VendorEvent => ({
  id: 'c1a7e0de-0000-4000-8000-000000000001',
  type,
  body: {
    account_id: 12514403,
    id: 'c1a7e0de-0000-4000-8000-000000000001',
    subject: 'zen:ticket:5158',
    time: '2026-12-02T06:00:00.123456789Z',
    type,
    zendesk_event_version: '2022-11-06',
    detail: { id: '5158', organization_id: 'acc-1', created_at: '2026-11-20T08:00:00Z', ...detail },
    event,
  },
});
const m = ZENDESK.defaults;

describe('Zendesk ticket events as the support signals (default mapping)', () => {
  it('turns a created ticket into an opened one, its Zendesk priority on the P1-P4 scale (none counts as normal)', () => {
    for (const [zendesk, ours] of [
      ['URGENT', 'P1'],
      ['HIGH', 'P2'],
      ['NORMAL', 'P3'],
      ['LOW', 'P4'],
      [null, 'P3'],
    ] as const)
      expect(mapZendeskEvent(ev('zen:event-type:ticket.created', { priority: zendesk }), m)).toEqual({
        state: 'mapped',
        accountId: 'acc-1',
        occurredAt: '2026-12-02T06:00:00.123Z',
        signals: [{ part: '', type: 'support_ticket_opened', payload: { ticketId: '5158', priority: ours } }],
      });
    expect(mapZendeskEvent(ev('zen:event-type:ticket.created', { priority: 'SOMEDAY' }), m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/priority "SOMEDAY"/),
    });
    expect(mapZendeskEvent(ev('zen:event-type:ticket.created', { priority: 'constructor' }), m)).toMatchObject({
      state: 'refused',
    });
  });

  it('re-states a ticket raised to urgent as a P1 opened when the ticket was, so its age and the volume stay true', () => {
    expect(
      mapZendeskEvent(ev('zen:event-type:ticket.priority_changed', {}, { current: 'URGENT', previous: 'NORMAL' }), m),
    ).toMatchObject({
      state: 'mapped',
      signals: [
        {
          type: 'support_ticket_opened',
          payload: { ticketId: '5158', priority: 'P1' },
          occurredAt: '2026-11-20T08:00:00.000Z',
        },
      ],
    });
  });

  it('turns a solve into a resolution and a solved ticket opened again into a reopen; other moves are ignored', () => {
    const status = (previous: string, current: string) =>
      mapZendeskEvent(ev('zen:event-type:ticket.status_changed', {}, { previous, current }), m);
    expect(status('OPEN', 'SOLVED')).toMatchObject({ signals: [{ type: 'support_ticket_resolved' }] });
    expect(status('SOLVED', 'OPEN')).toMatchObject({ signals: [{ type: 'support_ticket_reopened' }] });
    expect(status('SOLVED', 'CLOSED')).toMatchObject({ state: 'ignored' });
    expect(status('NEW', 'OPEN')).toMatchObject({
      state: 'ignored',
      reason: 'status new → open: neither solved nor reopened',
    });
  });

  it('turns a satisfaction rating (the trigger body of docs/connectors/zendesk.md) into the post-ticket sentiment', () => {
    expect(mapZendeskEvent(ev('retain:ticket.satisfaction_rated', { satisfaction: 'bad' }), m)).toMatchObject({
      state: 'mapped',
      signals: [
        { part: 'csat', type: 'support_ticket_resolved', payload: { ticketId: '5158', sentiment: 'negative' } },
      ],
    });
    expect(mapZendeskEvent(ev('retain:ticket.satisfaction_rated', { satisfaction: 'offered' }), m)).toMatchObject({
      state: 'ignored',
    });
  });

  it('refuses a ticket without an organization, and ignores types the mapping does not map', () => {
    expect(mapZendeskEvent(ev('zen:event-type:ticket.created', { organization_id: null }), m)).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/no account id at detail.organization_id/),
    });
    expect(mapZendeskEvent(ev('zen:event-type:ticket.comment_added', {}), m)).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map zen:event-type:ticket.comment_added',
    });
  });
});
