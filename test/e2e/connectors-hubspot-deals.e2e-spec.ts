import { addDays, localDateAt } from '@retain/domain';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';
import { hubspotHeaders } from '../support/hubspot-signature';

const PORTAL = 62515;
const ACCOUNT = 'acc-hd-1';

describe('HubSpot renewal deals end to end: a deal’s property changes launch, reschedule and decide the account’s renewal', () => {
  const RENEWALS_SECRET = 'hubspot-app-client-secret-renewals-0123';
  const SIGNALS_SECRET = 'hubspot-app-client-secret-signals-01234';
  let eventId = 3_000_000;
  let at = Date.now() - 60_000;
  const today = () => localDateAt(new Date(), 'UTC');
  /** HubSpot sends a date property as Unix ms at midnight UTC. */
  const ms = (date: string) => String(Date.parse(`${date}T00:00:00Z`));

  const suite = connectorSuite({
    mappings: { hubspot: 'renewals:\n  enabled: true\n  pipelines: [renewals]\n' },
    people: { ops: ['cs_ops', 'ops-hd'] },
    secrets: {
      renewals: {
        connector: 'hubspot',
        principalId: 'hs-int',
        secret: RENEWALS_SECRET,
        scopes: ['signals', 'renewals'],
      },
      signals: { connector: 'hubspot', principalId: 'hs-signals', secret: SIGNALS_SECRET, scopes: ['signals'] },
    },
    renewal: {
      account: anAccount(ACCOUNT, { ownerCsmId: 'csm-hd' }),
      renewalDate: addDays(today(), 400),
      awaitActive: false,
    },
  });

  const dealEvent = (objectId: number, over: Record<string, unknown>) => ({
    eventId: (eventId += 1),
    subscriptionId: 2920462,
    portalId: PORTAL,
    appId: 1160452,
    occurredAt: (at += 1),
    subscriptionType: 'deal.propertyChange',
    objectId,
    attemptNumber: 0,
    changeSource: 'CRM_UI',
    ...over,
  });
  const change = (objectId: number, propertyName: string, propertyValue: string) =>
    dealEvent(objectId, { propertyName, propertyValue });
  function post(batch: unknown, secret = RENEWALS_SECRET) {
    const rawBody = JSON.stringify(batch);
    return suite.stack.request('POST', '/connectors/hubspot', {
      rawBody,
      headers: hubspotHeaders(`${suite.stack.baseUrl}/connectors/hubspot`, rawBody, secret),
    });
  }

  it('a deal created in the renewal pipeline launches the renewal when its close date arrives; a moved close date reschedules it; closedwon decides it', async () => {
    const launchDate = addDays(today(), 120);
    const renewalId = `renewal:${ACCOUNT}:${launchDate}`;
    // deal.creation carries no property; the properties come as changes of their own, in one batch here.
    const created = [
      dealEvent(8801, { subscriptionType: 'deal.creation' }),
      change(8801, 'retain_account_id', ACCOUNT),
      change(8801, 'pipeline', 'renewals'),
      change(8801, 'dealstage', 'appointmentscheduled'),
      change(8801, 'closedate', ms(launchDate)),
    ];
    const res = await post(created);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { state: string; reason: string }) => [r.state, r.reason])).toEqual([
      ['ignored', 'the mapping does not map deal.creation'],
      ['ignored', expect.stringMatching(/HubSpot deal 8801 is not a renewal deal \(pipeline not received/)],
      ['ignored', expect.stringMatching(/no close date yet/)],
      // A stage that closes nothing, while nothing was launched yet: still no close date.
      ['ignored', expect.stringMatching(/no close date yet/)],
      ['applied', `launched the renewal ${renewalId}`],
    ]);
    await waitUntil(
      async () => ((await suite.renewalRow(renewalId))[0]?.status === 'active' ? true : undefined),
      30_000,
      'the launched renewal',
    );
    expect((await suite.stack.temporal.client.workflow.getHandle(renewalId).describe()).memo).toMatchObject({
      launchedBy: 'connector:hubspot',
    });

    // HubSpot's retry of the batch: each event a duplicate.
    const again = await post(created.map((e) => ({ ...e, attemptNumber: 1 })));
    expect(again.body.results.every((r: { duplicate: boolean }) => r.duplicate)).toBe(true);

    const movedTo = addDays(today(), 150);
    const moved = await post([change(8801, 'closedate', ms(movedTo))]);
    expect(moved.body.results[0]).toMatchObject({
      state: 'applied',
      reason: `moved the renewal ${renewalId} from ${launchDate} to ${movedTo}`,
    });
    await waitUntil(
      async () => ((await suite.renewalRow(renewalId))[0]?.renewal_date === movedTo ? true : undefined),
      30_000,
      'the moved renewal',
    );

    const won = await post([change(8801, 'dealstage', 'closedwon')]);
    expect(won.body.results[0]).toMatchObject({
      state: 'applied',
      reason: expect.stringMatching(/recorded the decision renewed/),
    });
    const detail = await suite.stack.readWhen(
      `/renewals/${encodeURIComponent(renewalId)}`,
      suite.keys.ops,
      (b: { decision: unknown }) => b.decision !== null,
      'the decision',
      30_000,
    );
    expect(detail.decision).toMatchObject({ outcome: 'renewed', decidedBy: 'connector:hubspot' });
  }, 150_000);

  it('refuses the launch with a 403 and stores nothing of it when the app secret lacks the renewals scope', async () => {
    const date = addDays(today(), 200);
    const link = change(8802, 'retain_account_id', ACCOUNT);
    const pipeline = change(8802, 'pipeline', 'renewals');
    const close = change(8802, 'closedate', ms(date));
    const res = await post([link, pipeline, close], SIGNALS_SECRET);
    expect([res.status, res.body.code]).toEqual([403, 'CONNECTORS.RENEWALS_NOT_GRANTED']);
    const rows = await suite.stack.db.query<Array<{ vendor_event_id: string; state: string }>>(
      "SELECT vendor_event_id, state FROM connector_events WHERE connector = 'hubspot' AND object_key = $1 ORDER BY vendor_event_id",
      [`${PORTAL}/deal/8802`],
    );
    // The batch's events before the launch are stored (each is its own vendor event); the launch is not, nor its renewal.
    expect(rows.map((r) => r.vendor_event_id)).toEqual([String(link.eventId), String(pipeline.eventId)]);
    expect(await suite.renewalRow(`renewal:${ACCOUNT}:${date}`)).toEqual([]);
    // HubSpot's retry once the secret is granted: the stored events are duplicates, the launch taken.
    const granted = await post([link, pipeline, close]);
    expect(granted.body.results.map((r: { state: string; duplicate: boolean }) => [r.state, r.duplicate])).toEqual([
      ['ignored', true],
      ['ignored', true],
      ['applied', false],
    ]);
  }, 90_000);
});
