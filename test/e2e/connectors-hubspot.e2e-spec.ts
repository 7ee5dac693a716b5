import { addDays, localDateAt } from '@retain/domain';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { PROBLEM_JSON, connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';
import { hubspotHeaders } from '../support/hubspot-signature';

const PORTAL = 62515;

describe('the HubSpot connector end to end: HubSpot-signed batches, the object’s account, the inbox, the account workflow', () => {
  let secret = 'hubspot-app-client-secret-0123456789';
  let eventId = 1_000_000;
  /** A clock for the events: each a millisecond after the one before, as HubSpot orders an object's changes. */
  let at = Date.now() - 60_000;

  const suite = connectorSuite({
    people: { ops: ['cs_ops', 'ops-h'], csm: ['csm', 'csm-h'] },
    secrets: { hubspot: { connector: 'hubspot', principalId: 'hubspot-int', secret } },
    renewal: {
      account: anAccount('acc-hs-1', { timeZone: 'America/New_York', ownerCsmId: 'csm-h', csmManagerId: 'mgr-h' }),
      renewalDate: addDays(localDateAt(new Date(), 'America/New_York'), 120),
    },
  });

  /** One event of a HubSpot webhook batch as HubSpot sends it. */
  const hub = (over: Record<string, unknown>) => ({
    eventId: (eventId += 1),
    subscriptionId: 2920461,
    portalId: PORTAL,
    appId: 1160452,
    occurredAt: (at += 1),
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    changeSource: 'CRM_UI',
    ...over,
  });
  const contactChange = (objectId: number, propertyName: string, propertyValue: string) =>
    hub({ objectId, propertyName, propertyValue });
  const uri = () => `${suite.stack.baseUrl}/connectors/hubspot`;
  function post(batch: unknown, options: { signWith?: string; at?: Date; tamper?: boolean } = {}) {
    const rawBody = JSON.stringify(batch);
    const headers = hubspotHeaders(uri(), rawBody, options.signWith ?? secret, options.at);
    return suite.stack.request('POST', '/connectors/hubspot', {
      rawBody: options.tamper ? rawBody.replace('END_USER', 'CHAMPION') : rawBody,
      headers,
    });
  }
  const connectorRows = (vendorEventId: number) =>
    suite.stack.db.query<Array<{ state: string }>>(
      'SELECT state FROM connector_events WHERE connector = $1 AND vendor_event_id = $2',
      ['hubspot', String(vendorEventId)],
    );

  it('a contact losing the executive sponsor role reaches the account’s workflow as a sponsor departure and raises its alert; a redelivery changes nothing', async () => {
    // The contact is linked to the account, then made the sponsor: no role was removed yet.
    const setUp = [
      contactChange(5101, 'retain_account_id', 'acc-hs-1'),
      contactChange(5101, 'email', 'ceo@acme.example'),
      contactChange(5101, 'hs_buying_role', 'EXECUTIVE_SPONSOR;CHAMPION'),
    ];
    const first = await post(setUp);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { state: string; reason: string }) => [r.state, r.reason])).toEqual([
      ['ignored', 'links HubSpot contact 5101 to the account acc-hs-1: its later events count for it'],
      ['ignored', 'the mapping does not map contact.propertyChange:email'],
      ['ignored', expect.stringMatching(/no earlier value of this role is known/)],
    ]);

    const change = contactChange(5101, 'hs_buying_role', 'END_USER');
    const res = await post([change]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      results: [
        {
          vendorEventId: String(change.eventId),
          vendorType: 'contact.propertyChange:hs_buying_role',
          state: 'mapped',
          duplicate: false,
          reason: null,
          accountId: 'acc-hs-1',
          inboxEventIds: [`hubspot:${change.eventId}:sponsor`, `hubspot:${change.eventId}:champion`],
        },
      ],
    });
    const alerts = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=acc-hs-1', { key: suite.keys.csm });
        const items = (r.body?.items ?? []) as Array<{ ruleId: string }>;
        return ['sponsor_departure', 'stakeholder_change'].every((id) => items.some((a) => a.ruleId === id))
          ? items
          : undefined;
      },
      30_000,
      'the sponsor departure and stakeholder change alerts',
    );
    expect(alerts.find((a) => a.ruleId === 'sponsor_departure')).toMatchObject({ state: 'open' });

    // HubSpot retries (attemptNumber 1): the same eventId is answered as before, nothing new stored.
    const again = await post([{ ...change, attemptNumber: 1 }]);
    expect(again.body.results[0]).toMatchObject({ state: 'mapped', duplicate: true });
    expect(await connectorRows(change.eventId)).toHaveLength(1);
    const inbox = await suite.stack.db.query<Array<{ type: string }>>(
      "SELECT type FROM inbound_events WHERE source = 'hubspot-int' AND event_id LIKE $1 ORDER BY type",
      [`hubspot:${change.eventId}:%`],
    );
    expect(inbox.map((r) => r.type)).toEqual(['sponsor_departure', 'stakeholder_change']);
  }, 120_000);

  it('takes a batch in HubSpot’s time order: a meeting cancelled and a note flagged at risk, each linked in the same batch', async () => {
    const meeting = (over: Record<string, unknown>) =>
      hub({ subscriptionType: 'object.propertyChange', objectTypeId: '0-47', objectId: 9001, ...over });
    const note = (over: Record<string, unknown>) =>
      hub({ subscriptionType: 'object.propertyChange', objectTypeId: '0-46', objectId: 7001, ...over });
    const link = meeting({ propertyName: 'retain_account_id', propertyValue: 'acc-hs-1' });
    const outcome = meeting({ propertyName: 'hs_meeting_outcome', propertyValue: 'CANCELED' });
    const noteLink = note({ propertyName: 'retain_account_id', propertyValue: 'acc-hs-1' });
    const flag = note({ propertyName: 'retain_risk_flag', propertyValue: 'at_risk' });
    // Sent out of order: the connector applies them oldest first, and answers in the batch's order.
    const res = await post([outcome, flag, link, noteLink]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { vendorEventId: string; state: string }) => [r.vendorEventId, r.state])).toEqual([
      [String(outcome.eventId), 'mapped'],
      [String(flag.eventId), 'mapped'],
      [String(link.eventId), 'ignored'],
      [String(noteLink.eventId), 'ignored'],
    ]);
    const inbox = await suite.stack.db.query<Array<{ type: string; payload: unknown }>>(
      "SELECT type, payload FROM inbound_events WHERE event_id = ANY($1) AND source = 'hubspot-int' ORDER BY type",
      [[`hubspot:${outcome.eventId}`, `hubspot:${flag.eventId}`]],
    );
    expect(inbox).toEqual([
      {
        type: 'csm_flag',
        payload: { level: 'at_risk', reason: 'HubSpot object 0-46 7001 flagged at_risk in HubSpot' },
      },
      { type: 'meeting_cancelled', payload: { meetingKind: 'other', rescheduled: false } },
    ]);
    await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', '/alerts?accountId=acc-hs-1', { key: suite.keys.csm });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'csm_flag');
      },
      30_000,
      'the CSM flag alert',
    );
  }, 60_000);

  it('refuses a bad signature, a tampered body and a stale timestamp with a 401 problem, storing nothing', async () => {
    const cases: Array<{ event: ReturnType<typeof hub>; options: Parameters<typeof post>[1] }> = [
      {
        event: contactChange(5101, 'hs_buying_role', 'END_USER'),
        options: { signWith: 'not-the-hubspot-secret-0123' },
      },
      { event: contactChange(5101, 'hs_buying_role', 'END_USER'), options: { tamper: true } },
      { event: contactChange(5101, 'hs_buying_role', 'END_USER'), options: { at: new Date(Date.now() - 301_000) } },
    ];
    for (const { event, options } of cases) {
      const res = await post([event], options);
      expect([res.status, res.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(await connectorRows(event.eventId)).toEqual([]);
    }
    const unsigned = await suite.stack.request('POST', '/connectors/hubspot', { body: [hub({ objectId: 1 })] });
    expect([unsigned.status, unsigned.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
    // Signed, but not a HubSpot batch (an object, or an event without its time): a 400, nothing stored.
    const notABatch = await post({ eventId: 1 });
    expect([notABatch.status, notABatch.body.code]).toEqual([400, 'CONNECTORS.NOT_A_VENDOR_EVENT']);
    const good = hub({ objectId: 5101, propertyName: 'firstname', propertyValue: 'Ada' });
    const bad = await post([good, { ...hub({ objectId: 5101 }), occurredAt: 'yesterday' }]);
    expect([bad.status, bad.body.code, bad.body.errors]).toEqual([
      400,
      'CONNECTORS.NOT_A_VENDOR_EVENT',
      [{ field: '1.occurredAt', message: 'the event time in Unix milliseconds is required' }],
    ]);
    expect(await connectorRows(good.eventId)).toEqual([]);
  }, 60_000);

  it('stores unknown types as ignored and an unlinked object’s event as refused, each visible by state', async () => {
    const dealCreated = hub({ subscriptionType: 'deal.creation', objectId: 880 });
    const unlinked = contactChange(6202, 'hs_buying_role', 'END_USER');
    const res = await post([dealCreated, unlinked]);
    expect(res.body.results).toMatchObject([
      { vendorType: 'deal.creation', state: 'ignored', reason: 'the mapping does not map deal.creation' },
      { state: 'refused', reason: expect.stringMatching(/HubSpot contact 6202 has no retain_account_id yet/) },
    ]);
    const ignored = await suite.stack.request('GET', '/connectors/hubspot/events?state=ignored&limit=1', {
      key: suite.keys.ops,
    });
    expect(ignored.body.items).toEqual([
      expect.objectContaining({
        vendorEventId: String(dealCreated.eventId),
        vendorType: 'deal.creation',
        state: 'ignored',
        source: 'hubspot-int',
        payload: dealCreated,
      }),
    ]);
    const refused = await suite.stack.request('GET', '/connectors/hubspot/events?state=refused', {
      key: suite.keys.ops,
    });
    expect(refused.body.items.map((e: { vendorEventId: string }) => e.vendorEventId)).toEqual([
      String(unlinked.eventId),
    ]);
  }, 60_000);

  it('rotates the secret with an overlap: both verify until the old one is revoked', async () => {
    const store = new ConnectorSecretStore(suite.stack.db);
    const next = 'hubspot-app-client-secret-next-abcdef';
    await store.create('hubspot', 'hubspot-int', next);
    const unknown = () => [hub({ subscriptionType: 'company.creation', objectId: 42 })];
    expect((await post(unknown(), { signWith: next })).status).toBe(200);
    expect((await post(unknown(), { signWith: secret })).status).toBe(200);
    expect(await store.revoke(suite.secretIds.hubspot)).toBe(1);
    expect((await post(unknown(), { signWith: secret })).status).toBe(401);
    expect((await post(unknown(), { signWith: next })).status).toBe(200);
    secret = next;
  }, 60_000);
});
