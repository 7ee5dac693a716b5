import { addDays, localDateAt } from '@retain/domain';
import { readCrmWriteBacks } from '@retain/persistence';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { CrmStandIn } from '../support/crm-stand-in';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const FIELDS = {
  hubspot: { risk: 'retain_risk_category', save: 'retain_save_status', at: 'retain_updated_at' },
  salesforce: { risk: 'Retain_Risk_Category__c', save: 'Retain_Save_Status__c', at: 'Retain_Updated_At__c' },
} as const;

/**
 * The CRM write-back through the real workflows (api, worker, Temporal, PostgreSQL, and a
 * local stand-in of HubSpot's and Salesforce's APIs): a sponsor departure turns a renewal
 * red, which starts its save; the account's HubSpot company, or Salesforce Account, learns
 * the red category and the save's status through the worker's dispatcher, with a 500 on
 * the way retried.
 */
describe.each(['hubspot', 'salesforce'] as const)(
  'CRM write-back to %s (api, worker, Temporal, PostgreSQL, stand-in CRM)',
  (crm) => {
    let stack: TestStack;
    let standIn: CrmStandIn;
    let keys: Record<string, string>;
    let integrationKey: string;
    let secret: string;
    const today = localDateAt(new Date(), 'UTC');

    beforeAll(async () => {
      standIn = await CrmStandIn.start();
      stack = await TestStack.start({
        CRM_WRITEBACK: crm,
        CRM_API_BASE_URL: standIn.url,
        ...(crm === 'hubspot'
          ? { CRM_ACCESS_TOKEN: standIn.hubSpotToken }
          : { CRM_CLIENT_ID: standIn.clientId, CRM_CLIENT_SECRET: standIn.clientSecret }),
        CRM_WRITEBACK_POLL_INTERVAL_MS: '100',
      });
      keys = await stack.people([
        ['csm_manager', 'mgr-cw'],
        ['csm', 'csm-cw', 'mgr-cw'],
        ['cs_ops', 'ops-cw'],
      ]);
      integrationKey = await stack.keyFor('integration', 'int-cw', { scopes: ['signals'] });
      secret = (await new SigningSecretStore(stack.db).create('int-cw')).secret;
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      await standIn?.close();
    }, 60_000);

    it("writes a renewal gone red, and its save's status, to the account's record", async () => {
      const f = FIELDS[crm];
      const account = 'acc-cw1';
      standIn.know(account);
      standIn.answers.push({ status: 500, body: { message: 'the CRM is having a moment' } });
      const launch = await stack.request('POST', '/renewals', {
        key: keys['ops-cw'],
        body: {
          account: anAccount(account, { ownerCsmId: 'csm-cw', csmManagerId: 'mgr-cw' }),
          renewalDate: addDays(today, 200),
        },
      });
      expect(launch.status).toBeLessThan(300);
      const posted = await stack.postEvent(integrationKey, secret, {
        eventId: `sd-${account}`,
        source: 'int-cw',
        accountId: account,
        type: 'sponsor_departure',
        occurredAt: new Date().toISOString(),
        payload: { reason: 'departed' },
      });
      expect(posted.status).toBeLessThan(300);

      // The 500 is retried after the dispatcher's backoff (30 s): let the outbox row come due now instead.
      const record = await waitUntil(
        async () => {
          await stack.db.query(`UPDATE crm_write_backs SET next_attempt_at = now() WHERE status = 'pending'`);
          const r = standIn.records.get(account);
          return r?.[f.risk] === 'red' && r[f.save] === 'active' ? r : undefined;
        },
        60_000,
        "the red category and the save's status on the stand-in's record",
      );
      expect(record).toEqual({
        [f.risk]: 'red',
        [f.save]: 'active',
        [f.at]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const writes = standIn.writes();
      expect(writes[0]!.status).toBe(500);
      const path =
        crm === 'hubspot'
          ? `/crm/v3/objects/companies/${account}`
          : `/services/data/v62.0/sobjects/Account/Retain_Account_Id__c/${account}`;
      expect(writes.every((w) => w.path === path)).toBe(true);
      expect(
        writes.every((w) =>
          crm === 'hubspot' ? w.query['idProperty'] === 'retain_account_id' : w.query['updateOnly'] === 'true',
        ),
      ).toBe(true);
      // The renewal's own read model agrees, and the outbox is done.
      const renewal = await stack.readWhen(
        `/renewals/${encodeURIComponent(`renewal:${account}:${addDays(today, 200)}`)}`,
        keys['ops-cw']!,
      );
      expect(renewal.riskCategory).toBe('red');
      const rows = await readCrmWriteBacks(stack.db, account);
      expect(rows.map((r) => [r.field, r.value, r.status])).toEqual([
        ['risk_category', 'red', 'sent'],
        ['save_status', 'active', 'sent'],
      ]);
    }, 90_000);
  },
);
