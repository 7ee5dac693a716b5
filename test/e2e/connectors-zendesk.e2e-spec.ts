import { createHmac, randomUUID } from 'node:crypto';
import { addDays, localDateAt } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';

const DAY = 86_400_000;

/**
 * Zendesk's own signature, as its documentation states it (base64 HMAC-SHA256 of the
 * timestamp and the raw body; Zendesk ships no library that signs): what a Zendesk
 * webhook delivery carries.
 */
function zendeskHeaders(body: string, secret: string, at = new Date()): Record<string, string> {
  const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'x-zendesk-webhook-signature': createHmac('sha256', secret)
      .update(timestamp + body)
      .digest('base64'),
    'x-zendesk-webhook-signature-timestamp': timestamp,
  };
}

describe('the Zendesk connector end to end: a ticket surge from Zendesk webhooks to the alert', () => {
  const secret = 'zendesk_webhook_signing_secret_0123456789';

  const suite = connectorSuite({
    people: { ops: ['cs_ops', 'ops-z'], csm: ['csm', 'csm-z'] },
    secrets: { zendesk: { connector: 'zendesk', principalId: 'zendesk-int', secret } },
    renewal: {
      account: anAccount('40001', { timeZone: 'America/Chicago', ownerCsmId: 'csm-z', csmManagerId: 'mgr-z' }),
      renewalDate: addDays(localDateAt(new Date(), 'America/Chicago'), 150),
    },
  });

  /** A ticket.created event as Zendesk's event-subscribed webhooks send it (zendesk_event_version 2022-11-06). */
  const ticketCreated = (ticketId: number, at: Date, organizationId: string | number = 40001) => ({
    account_id: 12514403,
    detail: {
      actor_id: '8447388090494',
      assignee_id: null,
      brand_id: '8447346621310',
      created_at: at.toISOString(),
      custom_status: '8447320465694',
      description: 'The export keeps failing',
      external_id: null,
      form_id: '8646151517822',
      group_id: '8447320466078',
      id: String(ticketId),
      is_public: true,
      organization_id: organizationId,
      priority: 'NORMAL',
      requester_id: '8447388090494',
      status: 'NEW',
      subject: `Ticket ${ticketId}`,
      submitter_id: '8447388090494',
      tags: [],
      type: 'PROBLEM',
      updated_at: at.toISOString(),
      via: { channel: 'web_service' },
    },
    event: {},
    id: randomUUID(),
    subject: `zen:ticket:${ticketId}`,
    time: at.toISOString(),
    type: 'zen:event-type:ticket.created',
    zendesk_event_version: '2022-11-06',
  });
  const post = (event: unknown, signWith = secret, at = new Date()) => {
    const rawBody = JSON.stringify(event);
    return suite.stack.request('POST', '/connectors/zendesk', {
      rawBody,
      headers: zendeskHeaders(rawBody, signWith, at),
    });
  };

  it('counts tickets against the account’s own baseline: 3 in days after one in the months before raise the ticket surge', async () => {
    const now = Date.now();
    // The baseline: one ticket 100 days ago (the account's normal volume, 0.4 a month).
    const first = await post(ticketCreated(1001, new Date(now - 100 * DAY)));
    expect(first.status).toBe(200);
    expect(first.body.results[0]).toMatchObject({ state: 'mapped', accountId: '40001' });
    for (const id of [1002, 1003, 1004]) {
      const res = await post(ticketCreated(id, new Date(now - (1005 - id) * 60_000)));
      expect(res.body.results[0]).toMatchObject({ state: 'mapped', duplicate: false });
    }
    const alert = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=40001', { key: suite.keys.csm });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'ticket_surge');
      },
      30_000,
      'the ticket surge alert',
    );
    // P2 at base; the account's modifiers (ARR, the renewal's distance) may move it.
    expect(alert).toMatchObject({ severity: expect.stringMatching(/^P[0-3]$/), state: 'open' });
    expect(alert.details).toMatchObject({ tickets: 3 });
    expect(alert.summary).toMatch(/^3 tickets in 30 days/);
  }, 120_000);

  it('stores a redelivery once, refuses a bad signature or a stale one storing nothing, and keeps unmapped types visible', async () => {
    const event = ticketCreated(2001, new Date());
    expect((await post(event)).body.results[0]).toMatchObject({ duplicate: false });
    expect((await post(event)).body.results[0]).toMatchObject({ duplicate: true, state: 'mapped' });
    const rows = await suite.stack.db.query<unknown[]>(
      "SELECT 1 FROM inbound_events WHERE source = 'zendesk-int' AND event_id = $1",
      [`zendesk:${event.id}`],
    );
    expect(rows).toHaveLength(1);

    const forged = ticketCreated(2002, new Date());
    const bad = await post(forged, 'not_the_zendesk_secret_0123456');
    expect([bad.status, bad.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
    const stale = await post(forged, secret, new Date(Date.now() - 301_000));
    expect([stale.status, stale.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
    expect(
      await suite.stack.db.query<unknown[]>(
        "SELECT 1 FROM connector_events WHERE connector = 'zendesk' AND vendor_event_id = $1",
        [forged.id],
      ),
    ).toEqual([]);

    const comment = { ...ticketCreated(2003, new Date()), type: 'zen:event-type:ticket.comment_added' };
    expect((await post(comment)).body.results[0]).toMatchObject({ state: 'ignored' });
    const ignored = await suite.stack.request('GET', '/connectors/zendesk/events?state=ignored', {
      key: suite.keys.ops,
    });
    expect(ignored.body.items.map((e: { vendorEventId: string }) => e.vendorEventId)).toEqual([comment.id]);
  }, 60_000);
});
