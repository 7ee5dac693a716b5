import { randomUUID } from 'node:crypto';
import { CONNECTOR_SPECS, addDays, localDateAt } from '@retain/domain';
import { ConnectorSecretStore } from '../../apps/api/src/connectors/connector-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { PROBLEM_JSON, connectorSuite } from '../support/connector-suite';
import { anAccount } from '../support/factories';
import { changeEvent, salesforceRelayHeaders, type ChangeEventSpec } from '../support/salesforce-relay';

const ACCOUNT = 'acc-sf-1';
/** Salesforce record ids (15/18 characters, their key prefix: 006 opportunity, 00K contact role, 00Q lead). */
const sfId = (prefix: string) => `${prefix}xx${randomUUID().replace(/-/g, '').slice(0, 13)}`;

describe('the Salesforce connector end to end: relayed change events, the record’s account, the renewal services, the account workflow', () => {
  /** The relay’s secret with the renewals scope (sf-int), and one for signals only (sf-signals). */
  const RENEWALS_SECRET = 'rcs_salesforce_relay_renewals_0123456789';
  const SIGNALS_SECRET = 'rcs_salesforce_relay_signals_0123456789';
  /** A clock for the events: each a millisecond after the one before, as Salesforce commits them. */
  let at = Date.now() - 60_000;
  const today = () => localDateAt(new Date(), 'UTC');

  const suite = connectorSuite({
    // The deployment opts in to renewal opportunities in its mapping file (docs/connectors/salesforce.md).
    mappings: { salesforce: 'renewals:\n  enabled: true\n' },
    people: { ops: ['cs_ops', 'ops-sf'], csm: ['csm', 'csm-sf'], director: ['director', 'dir-sf'] },
    secrets: {
      renewals: {
        connector: 'salesforce',
        principalId: 'sf-int',
        secret: RENEWALS_SECRET,
        scopes: ['signals', 'renewals'],
      },
      signals: { connector: 'salesforce', principalId: 'sf-signals', secret: SIGNALS_SECRET, scopes: ['signals'] },
    },
    // Retain knows the account (its facts), from a renewal cs_ops launched for a later term.
    renewal: {
      account: anAccount(ACCOUNT, { ownerCsmId: 'csm-sf', csmManagerId: 'mgr-sf' }),
      renewalDate: addDays(today(), 400),
    },
  });

  const event = (spec: Omit<ChangeEventSpec, 'commitTimestamp'>) =>
    changeEvent({ commitTimestamp: (at += 1), ...spec });
  function post(body: unknown, options: { secret?: string; at?: Date; tamper?: boolean } = {}) {
    const rawBody = JSON.stringify(body);
    const headers = salesforceRelayHeaders(rawBody, options.secret ?? RENEWALS_SECRET, options.at);
    return suite.stack.request('POST', '/connectors/salesforce', {
      rawBody: options.tamper ? rawBody.replace('Renewal', 'Renewal ') : rawBody,
      headers,
    });
  }
  const idOf = (body: Record<string, unknown>) => {
    const h = (body.data as { payload: { ChangeEventHeader: { transactionKey: string; sequenceNumber: number } } })
      .payload.ChangeEventHeader;
    return `${h.transactionKey}:${h.sequenceNumber}`;
  };
  const connectorRows = (body: Record<string, unknown>) =>
    suite.stack.db.query<Array<{ state: string; renewal_id: string | null }>>(
      'SELECT state, renewal_id FROM connector_events WHERE connector = $1 AND vendor_event_id = $2',
      ['salesforce', idOf(body)],
    );
  const opportunity = (id: string, fields: Record<string, unknown>) =>
    event({ entity: 'Opportunity', changeType: 'CREATE', recordId: id, fields });
  const renewalOpportunity = (id: string, closeDate: string) =>
    opportunity(id, {
      Name: 'Acme renewal FY27',
      AccountId: '001xx000003DGb2AAG',
      Retain_Account_Id__c: ACCOUNT,
      Type: 'Renewal',
      StageName: 'Negotiation/Review',
      CloseDate: closeDate,
      Amount: 150000,
    });

  it('a renewal opportunity created launches the renewal, its close date moved reschedules it, Closed Won records the decision: as connector:salesforce, audited, once', async () => {
    const opp = sfId('006');
    const launchDate = addDays(today(), 120);
    const renewalId = `renewal:${ACCOUNT}:${launchDate}`;
    const created = renewalOpportunity(opp, launchDate);
    const res = await post(created);
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      {
        vendorEventId: idOf(created),
        vendorType: 'Opportunity:CREATE',
        state: 'applied',
        duplicate: false,
        reason: `launched the renewal ${renewalId}`,
        accountId: ACCOUNT,
        inboxEventIds: [],
      },
    ]);
    // The same services as POST /renewals: the workflow runs, with the account's facts, launched by the connector.
    await waitUntil(
      async () => ((await suite.renewalRow(renewalId))[0]?.status === 'active' ? true : undefined),
      30_000,
      'the launched renewal',
    );
    const handle = suite.stack.temporal.client.workflow.getHandle(renewalId);
    expect((await handle.describe()).memo).toMatchObject({ launchedBy: 'connector:salesforce', accountId: ACCOUNT });

    // The relay's retry of the same change event: answered as before, nothing applied again.
    const again = await post(created);
    expect(again.body.results[0]).toMatchObject({ state: 'applied', duplicate: true });
    expect(await connectorRows(created)).toEqual([{ state: 'applied', renewal_id: renewalId }]);

    const movedTo = addDays(today(), 150);
    const moved = event({ entity: 'Opportunity', changeType: 'UPDATE', recordId: opp, fields: { CloseDate: movedTo } });
    const movedRes = await post(moved);
    expect(movedRes.body.results[0]).toMatchObject({
      state: 'applied',
      reason: `moved the renewal ${renewalId} from ${launchDate} to ${movedTo}`,
    });
    await waitUntil(
      async () => ((await suite.renewalRow(renewalId))[0]?.renewal_date === movedTo ? true : undefined),
      30_000,
      'the rescheduled renewal date',
    );

    // Closed Won (closing also sets the close date to today): the decision, on the renewal the opportunity launched.
    const won = event({
      entity: 'Opportunity',
      changeType: 'UPDATE',
      recordId: opp,
      fields: { StageName: 'Closed Won', CloseDate: today() },
    });
    const wonRes = await post(won);
    expect(wonRes.body.results[0]).toMatchObject({
      state: 'applied',
      reason: `recorded the decision renewed (stage Closed Won) on the renewal ${renewalId}`,
    });
    const detail = await suite.stack.readWhen(
      `/renewals/${encodeURIComponent(renewalId)}`,
      suite.keys.ops,
      (b: { decision: unknown }) => b.decision !== null,
      'the recorded decision',
      30_000,
    );
    expect(detail.decision).toMatchObject({ outcome: 'renewed', decidedBy: 'connector:salesforce' });
    expect(detail.renewalDate).toBe(movedTo);

    // Each command in the append-only audit log, with the connector as actor and the secret that verified it.
    const audit = await suite.stack.request(
      'GET',
      `/audit?actorId=connector:salesforce&subjectId=${encodeURIComponent(renewalId)}`,
      {
        key: suite.keys.director,
      },
    );
    expect(audit.status).toBe(200);
    const acts = (audit.body.items as Array<{ action: string; actorId: string; detail: Record<string, unknown> }>)
      .map((a) => a.action)
      .sort();
    expect(acts).toEqual(['connector.renewal_decided', 'connector.renewal_launched', 'connector.renewal_rescheduled']);
    expect(audit.body.items[0].detail).toMatchObject({
      connector: 'salesforce',
      opportunity: opp,
      via: { principalId: 'sf-int' },
    });

    // A second Closed Won (a stage re-saved) is the workflow's refusal, stored as refused; nothing changes.
    const again2 = await post(
      event({ entity: 'Opportunity', changeType: 'UPDATE', recordId: opp, fields: { StageName: 'Closed Won' } }),
    );
    expect(again2.body.results[0]).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/^RENEWAL\.ALREADY_DECIDED/),
    });
  }, 150_000);

  it('a contact role losing Executive Sponsor reaches the account’s workflow as a sponsor departure and raises its alert', async () => {
    // A new-business opportunity of the account: ignored as a renewal, but its account is known for its contact roles.
    const opp = sfId('006');
    const oppRes = await post(
      opportunity(opp, {
        Retain_Account_Id__c: ACCOUNT,
        Type: 'New Business',
        StageName: 'Prospecting',
        CloseDate: addDays(today(), 90),
      }),
    );
    expect(oppRes.body.results[0]).toMatchObject({
      state: 'ignored',
      reason: expect.stringMatching(/is not a renewal opportunity/),
    });
    const ocr = sfId('00K');
    const made = await post(
      event({
        entity: 'OpportunityContactRole',
        changeType: 'CREATE',
        recordId: ocr,
        fields: { OpportunityId: opp, ContactId: '003xx000004TmiQAAS', Role: 'Executive Sponsor', IsPrimary: true },
      }),
    );
    expect(made.body.results[0]).toMatchObject({ state: 'ignored', accountId: ACCOUNT });
    const change = event({
      entity: 'OpportunityContactRole',
      changeType: 'UPDATE',
      recordId: ocr,
      fields: { Role: 'Business User' },
    });
    const res = await post(change);
    expect(res.body.results[0]).toMatchObject({
      state: 'mapped',
      accountId: ACCOUNT,
      inboxEventIds: [`salesforce:${idOf(change)}:sponsor`],
    });
    const alert = await waitUntil(
      async () => {
        const r = await suite.stack.request('GET', `/alerts?accountId=${ACCOUNT}`, { key: suite.keys.csm });
        return (r.body?.items as Array<{ ruleId: string; state: string }> | undefined)?.find(
          (a) => a.ruleId === 'sponsor_departure',
        );
      },
      30_000,
      'the sponsor departure alert',
    );
    expect(alert.state).toBe('open');
    const inbox = await suite.stack.db.query<Array<{ type: string; source: string }>>(
      'SELECT type, source FROM inbound_events WHERE event_id = $1',
      [`salesforce:${idOf(change)}:sponsor`],
    );
    expect(inbox).toEqual([{ type: 'sponsor_departure', source: 'sf-int' }]);
  }, 90_000);

  it('refuses a renewal command without the secret’s renewals scope or without the mapping’s opt-in (403, nothing stored or launched); the retry once granted is taken', async () => {
    const opp = sfId('006');
    const date = addDays(today(), 200);
    const renewalId = `renewal:${ACCOUNT}:${date}`;
    const created = renewalOpportunity(opp, date);

    const noScope = await post(created, { secret: SIGNALS_SECRET });
    expect([noScope.status, noScope.body.code]).toEqual([403, 'CONNECTORS.RENEWALS_NOT_GRANTED']);
    expect(noScope.headers.get('content-type')).toMatch(PROBLEM_JSON);
    expect(noScope.body.detail).toMatch(/does not hold the renewals scope/);
    expect(await connectorRows(created)).toEqual([]);

    // The deployment's mapping without the opt-in (the api reads it at start; here its loaded value is swapped).
    const inForce = suite.stack.config.connectors.salesforce;
    suite.stack.config.connectors.salesforce = CONNECTOR_SPECS.salesforce.defaults;
    try {
      const noOptIn = await post(created);
      expect([noOptIn.status, noOptIn.body.code]).toEqual([403, 'CONNECTORS.RENEWALS_NOT_GRANTED']);
      expect(noOptIn.body.detail).toMatch(/does not opt in to renewals/);
      expect(await connectorRows(created)).toEqual([]);
    } finally {
      suite.stack.config.connectors.salesforce = inForce;
    }
    await expect(suite.stack.temporal.client.workflow.getHandle(renewalId).describe()).rejects.toThrow();
    // The scope is the connector secret's alone: an integration API key cannot hold it, nor a secret another scope.
    await expect(
      suite.stack.keyFor('integration', 'int-sf-key', { scopes: ['signals', 'renewals'] }),
    ).rejects.toThrow();
    await expect(
      new ConnectorSecretStore(suite.stack.db).create('salesforce', 'sf-int', undefined, ['account_facts'] as never),
    ).rejects.toThrow(/scopes are some of signals, renewals/);
    await expect(
      new ConnectorSecretStore(suite.stack.db).create('salesforce', 'sf-int', undefined, ['renewals']),
    ).rejects.toThrow(/always holds signals/);
    expect(
      (await new ConnectorSecretStore(suite.stack.db).active('salesforce'))
        .map((x) => [x.principalId, x.scopes])
        .sort(),
    ).toEqual([
      ['sf-int', ['signals', 'renewals']],
      ['sf-signals', ['signals']],
    ]);
    expect(await suite.renewalRow(renewalId)).toEqual([]);

    // The relay retries the same event once the grant is there: processed as new, not as an old refusal.
    const granted = await post(created);
    expect(granted.body.results[0]).toMatchObject({ state: 'applied', duplicate: false });
  }, 90_000);

  it('refuses a launch for an account Retain does not know, storing it refused with why', async () => {
    const body = opportunity(sfId('006'), {
      Retain_Account_Id__c: 'acc-sf-unknown',
      Type: 'Renewal',
      StageName: 'Prospecting',
      CloseDate: addDays(today(), 100),
    });
    const res = await post(body);
    expect(res.body.results[0]).toMatchObject({
      state: 'refused',
      accountId: 'acc-sf-unknown',
      reason: expect.stringMatching(/Retain does not know the account acc-sf-unknown/),
    });
    expect(await connectorRows(body)).toEqual([{ state: 'refused', renewal_id: null }]);
  }, 60_000);

  it('refuses a bad signature, a tampered body and a stale timestamp with a 401 problem, storing nothing; lists unknown types as ignored', async () => {
    const body = renewalOpportunity(sfId('006'), addDays(today(), 250));
    for (const options of [
      { secret: 'rcs_not_the_relay_secret_0123456789' },
      { tamper: true },
      { at: new Date(Date.now() - 301_000) },
    ]) {
      const res = await post(body, options);
      expect([res.status, res.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(await connectorRows(body)).toEqual([]);
    }
    const unsigned = await suite.stack.request('POST', '/connectors/salesforce', { body });
    expect([unsigned.status, unsigned.body.code]).toEqual([401, 'CONNECTORS.SIGNATURE_INVALID']);
    const notAnEvent = await post({ data: { payload: { Name: 'x' } } });
    expect([notAnEvent.status, notAnEvent.body.code]).toEqual([400, 'CONNECTORS.NOT_A_VENDOR_EVENT']);

    const lead = event({ entity: 'Lead', changeType: 'UPDATE', recordId: sfId('00Q'), fields: { Status: 'Working' } });
    expect((await post(lead)).body.results[0]).toMatchObject({
      state: 'ignored',
      reason: 'the mapping does not map Lead:UPDATE',
    });
    const listed = await suite.stack.request('GET', '/connectors/salesforce/events?state=ignored', {
      key: suite.keys.ops,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          vendorEventId: idOf(lead),
          vendorType: 'Lead:UPDATE',
          state: 'ignored',
          source: 'sf-int',
          payload: lead,
        }),
      ]),
    );
    expect((await suite.stack.request('GET', '/connectors/salesforce/events', { key: suite.keys.csm })).status).toBe(
      403,
    );
  }, 60_000);
});
