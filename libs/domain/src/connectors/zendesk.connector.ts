import type { TicketPriority } from '../early-warning/event-catalogue';
import {
  readMappedEvent,
  mappedOccurredAt,
  type ConnectorMapping,
  type ConnectorSignal,
  type ConnectorSpec,
  type VendorEvent,
  type VendorEventOutcome,
} from './connector-mapping';

/**
 * Zendesk (docs/connectors/zendesk.md): ticket events of Zendesk's event-subscribed
 * webhooks as the support signals, from which the rules count the ticket volume against
 * the account's own baseline, P1 tickets, tickets open 21 days or reopened twice; and the
 * satisfaction rating, sent by a Zendesk trigger with the body the page gives, as the
 * post-ticket CSAT. Pure.
 */
export const ZENDESK: ConnectorSpec = {
  name: 'zendesk',
  handlers: ['ticket_created', 'priority_changed', 'status_changed', 'satisfaction_rated'],
  fields: ['ticketId', 'priority', 'createdAt', 'currentValue', 'previousValue', 'satisfaction'],
  defaults: {
    connector: 'zendesk',
    signatureToleranceSeconds: 300,
    accountId: ['detail.organization_id'],
    occurredAt: { path: 'time', format: 'iso' },
    fields: {
      ticketId: 'detail.id',
      priority: 'detail.priority',
      createdAt: 'detail.created_at',
      currentValue: 'event.current',
      previousValue: 'event.previous',
      satisfaction: 'detail.satisfaction',
    },
    events: {
      'zen:event-type:ticket.created': 'ticket_created',
      'zen:event-type:ticket.priority_changed': 'priority_changed',
      'zen:event-type:ticket.status_changed': 'status_changed',
      'retain:ticket.satisfaction_rated': 'satisfaction_rated',
    },
  },
};

/** Zendesk's priorities on the catalogue's scale: urgent is a P1 ticket; a ticket without one counts as normal. */
export const ZENDESK_PRIORITIES: Record<string, TicketPriority> = { urgent: 'P1', high: 'P2', normal: 'P3', low: 'P4' };

/** A vendor value as lower-case text, or '' when it is not a string. */
const word = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

const text = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null;

/** What the Zendesk event `event` becomes under `mapping`. */
export function mapZendeskEvent(event: VendorEvent, mapping: ConnectorMapping): VendorEventOutcome {
  const { accountId, occurredAt, handler, field, not, unhandled } = readMappedEvent(event, mapping);
  if (unhandled) return unhandled;
  if (!accountId) return not('refused', `no account id at ${mapping.accountId.join(', ')} (the ticket's organization)`);
  if (!occurredAt) return not('refused', `no event time at ${mapping.occurredAt.path}`);
  const ticketId = text(field('ticketId'));
  if (!ticketId || ticketId.length > 100) return not('refused', `no ticket id at ${mapping.fields.ticketId}`);
  const priorityOf = (v: unknown): TicketPriority | undefined =>
    v === null || v === undefined || v === ''
      ? 'P3'
      : Object.hasOwn(ZENDESK_PRIORITIES, word(v))
        ? ZENDESK_PRIORITIES[word(v)]
        : undefined;
  const signals: ConnectorSignal[] = [];
  if (handler === 'ticket_created' || handler === 'priority_changed') {
    const raw = handler === 'ticket_created' ? field('priority') : field('currentValue');
    const priority = priorityOf(raw);
    if (!priority)
      return not(
        'refused',
        `the priority ${JSON.stringify(raw)} is none of ${Object.keys(ZENDESK_PRIORITIES).join(', ')}`,
      );
    // A new priority re-states the ticket as opened when it was, so its age and the volume count stay true.
    const created = mappedOccurredAt(
      { at: field('createdAt') },
      { ...mapping, occurredAt: { path: 'at', format: 'iso' } },
    );
    signals.push({
      part: '',
      type: 'support_ticket_opened',
      payload: { ticketId, priority },
      ...(handler === 'priority_changed' && created ? { occurredAt: created } : {}),
    });
  } else if (handler === 'status_changed') {
    const current = word(field('currentValue'));
    const previous = word(field('previousValue'));
    const done = ['solved', 'closed'];
    if (done.includes(current) && !done.includes(previous))
      signals.push({ part: '', type: 'support_ticket_resolved', payload: { ticketId } });
    else if (previous === 'solved' && ['new', 'open', 'pending', 'hold'].includes(current))
      signals.push({ part: '', type: 'support_ticket_reopened', payload: { ticketId } });
    else return not('ignored', `status ${previous || '?'} → ${current || '?'}: neither solved nor reopened`);
  } else if (handler === 'satisfaction_rated') {
    const rating = word(field('satisfaction'));
    const sentiment = rating === 'good' ? 'positive' : rating === 'bad' ? 'negative' : null;
    if (!sentiment) return not('ignored', `satisfaction ${rating || '?'}: neither good nor bad`);
    signals.push({ part: 'csat', type: 'support_ticket_resolved', payload: { ticketId, sentiment } });
  }
  return { state: 'mapped', accountId, occurredAt, signals };
}
