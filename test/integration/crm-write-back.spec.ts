import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '@retain/config';
import {
  DEFAULT_POLICY,
  accountValueTier,
  allocateSaveEffort,
  assessSaveProbability,
  layOutTasks,
  renewalOwnership,
} from '@retain/domain';
import { createDataSource, readCrmWriteBacks, recordCrmWriteBack } from '@retain/persistence';
import type { RenewalState, SaveState } from '@retain/workflows';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { SaveEffortReadModelActivities } from '../../apps/worker/src/activities/save-effort.activities';
import { CrmWriteBackDispatcher } from '../../apps/worker/src/crm-write-back/crm-write-back-dispatcher';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { CrmStandIn } from '../support/crm-stand-in';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot, savableFacts } from '../support/factories';

/**
 * The CRM write-back against a real PostgreSQL and a local stand-in of HubSpot's and
 * Salesforce's APIs, through the official HubSpot client and jsforce: the read-model
 * activities record changes in the outbox, the dispatcher writes them to the account's CRM
 * record, retried, applied once, latest first.
 */
/**
 * A dispatcher's `now` certainly after the rows just written: PostgreSQL's now() has
 * microseconds and a JS Date whole milliseconds, so a Date taken in the same millisecond as
 * the insert can be earlier than the row's next_attempt_at (which takes now()) and find it
 * not yet due.
 */
const afterWrites = () => new Date(Date.now() + 1);

describe.each(['hubspot', 'salesforce'] as const)('CRM write-back to %s (PostgreSQL, stand-in CRM)', (crm) => {
  let database: TestDatabase;
  let db: DataSource;
  let standIn: CrmStandIn;
  let config: AppConfig;
  let renewals: RenewalReadModelActivities;
  let saves: SaveEffortReadModelActivities;
  let dispatcher: CrmWriteBackDispatcher;
  let metrics: WorkerMetrics;
  const fields =
    crm === 'hubspot'
      ? { risk: 'retain_risk_category', save: 'retain_save_status', at: 'retain_updated_at' }
      : { risk: 'Retain_Risk_Category__c', save: 'Retain_Save_Status__c', at: 'Retain_Updated_At__c' };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 3 });
    await db.initialize();
    standIn = await CrmStandIn.start();
    config = loadConfig({
      DATABASE_URL: database.url,
      CRM_WRITEBACK: crm,
      CRM_API_BASE_URL: standIn.url,
      ...(crm === 'hubspot'
        ? { CRM_ACCESS_TOKEN: standIn.hubSpotToken }
        : { CRM_CLIENT_ID: standIn.clientId, CRM_CLIENT_SECRET: standIn.clientSecret }),
    });
    renewals = new RenewalReadModelActivities(db, config);
    saves = new SaveEffortReadModelActivities(db, renewals, undefined, config);
    metrics = new WorkerMetrics(config, db);
    dispatcher = new CrmWriteBackDispatcher(config, db, metrics);
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await db?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    standIn.reset();
    await db.query('DELETE FROM crm_write_backs');
  });

  const t0 = new Date('2027-01-01T09:00:00Z');
  // Past the rows just written, by a millisecond at least (afterWrites).
  const later = (ms: number) => new Date(afterWrites().getTime() + ms);
  const renewal = (accountId: string, revision: number, category: RenewalState['category'], at: Date): RenewalState => {
    const account = anAccountSnapshot(accountId, { arrCents: 700_000, segment: 'smb' });
    return {
      renewalId: `renewal:${accountId}:2027-03-31`,
      account,
      renewalDate: '2027-03-31',
      originalRenewalDate: '2027-03-31',
      status: 'active',
      phase: 'assessment',
      reachedPhases: ['assessment'],
      timeBand: 'comprehensive',
      nextMilestone: { phase: 'preparation', at: '2027-01-30T09:00:00.000Z' },
      health: {},
      category,
      classificationHistory: [],
      ownership: renewalOwnership(
        { arrCents: account.arrCents, category: category ?? 'yellow', ownerCsmId: 'csm-1', salesRepId: null },
        DEFAULT_POLICY,
      ),
      tasks: layOutTasks('assessment', category ?? 'yellow', { triggeredAt: t0, now: t0 }, account, [], DEFAULT_POLICY),
      decision: null,
      saveRequest: null,
      exception: null,
      postRenewalStartedAt: null,
      cancellation: null,
      nextTermRenewalId: null,
      winBackId: null,
      policyVersion: DEFAULT_POLICY.version,
      startedAt: t0.toISOString(),
      updatedAt: at.toISOString(),
      revision,
      audit: [],
      appliedEventIds: [],
    };
  };
  const save = (accountId: string, revision: number, status: SaveState['status'], at: Date): SaveState => {
    const facts = savableFacts({ alternative: 'none' });
    const probability = assessSaveProbability(facts, DEFAULT_POLICY);
    const value = accountValueTier(12_000_000, {}, DEFAULT_POLICY);
    const allocation = allocateSaveEffort(
      {
        valueTier: value.tier,
        probabilityTier: probability.tier,
        now: t0,
        renewalAt: new Date('2027-03-31T09:00:00Z'),
        daysLeft: 89,
      },
      DEFAULT_POLICY,
    );
    const triage = {
      at: t0.toISOString(),
      cause: 'start',
      probability,
      probabilityOverride: null,
      value,
      rootCause: 'service_experience' as const,
      allocation,
    };
    return {
      saveId: `save:${accountId}:2027-03-31`,
      renewalId: `renewal:${accountId}:2027-03-31`,
      account: anAccountSnapshot(accountId, { arrCents: 12_000_000 }),
      renewalDate: '2027-03-31',
      status,
      triggerReasons: ['red'],
      facts,
      strategicFlags: {},
      budgetRelated: false,
      triage,
      triageHistory: [triage],
      issues: [],
      concessions: [],
      conversations: [],
      escalation: null,
      lostCause: { signs: [], suggestStop: false },
      decisionFinal: false,
      outcome: null,
      gracefulExit: null,
      handOff: null,
      renewalLink: 'linked',
      deadlineEscalatedAt: null,
      planCompletion: {
        total: 0,
        inProgress: 0,
        blocked: 0,
        done: 0,
        verifiedByCustomer: 0,
        overdue: 0,
        completedPct: 0,
      },
      policyVersion: DEFAULT_POLICY.version,
      planItems: [],
      startedAt: t0.toISOString(),
      updatedAt: at.toISOString(),
      revision,
      appliedEventIds: [],
    };
  };

  it('writes a changed risk category once, with the right body, a retried activity changing nothing', async () => {
    standIn.know('acc-w1');
    await renewals.recordRenewalState(renewal('acc-w1', 1, 'yellow', t0));
    await renewals.recordRenewalState(renewal('acc-w1', 1, 'yellow', t0)); // the activity retried
    const at2 = new Date(t0.getTime() + 60_000);
    await renewals.recordRenewalState(renewal('acc-w1', 2, 'red', at2));
    await renewals.recordRenewalState(renewal('acc-w1', 2, 'red', at2)); // retried again
    // A newer revision with the same category is no change for the CRM.
    await renewals.recordRenewalState(renewal('acc-w1', 3, 'red', new Date(t0.getTime() + 120_000)));

    expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 1, failed: 0 });
    expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 0, failed: 0 });
    const writes = standIn.writes();
    expect(writes).toHaveLength(1);
    if (crm === 'hubspot') {
      expect(writes[0]!.path).toBe('/crm/v3/objects/companies/acc-w1');
      expect(writes[0]!.query).toEqual({ idProperty: 'retain_account_id' });
      expect(writes[0]!.body).toEqual({ properties: { [fields.risk]: 'red', [fields.at]: at2.toISOString() } });
    } else {
      expect(writes[0]!.path).toBe('/services/data/v62.0/sobjects/Account/Retain_Account_Id__c/acc-w1');
      expect(writes[0]!.query).toEqual({ updateOnly: 'true' });
      expect(writes[0]!.body).toEqual({ [fields.risk]: 'red', [fields.at]: at2.toISOString() });
    }
    expect(standIn.records.get('acc-w1')).toEqual({ [fields.risk]: 'red', [fields.at]: at2.toISOString() });
    const [row] = await readCrmWriteBacks(db, 'acc-w1');
    expect(row).toMatchObject({ field: 'risk_category', value: 'red', status: 'sent', sentValue: 'red', attempts: 1 });
  });

  it("writes the save's status with the risk category in one update, updated at the latest change", async () => {
    standIn.know('acc-w2');
    const at1 = new Date(t0.getTime() + 1_000);
    const at2 = new Date(t0.getTime() + 2_000);
    await renewals.recordRenewalState(renewal('acc-w2', 1, 'red', at1));
    await saves.recordSaveState(save('acc-w2', 1, 'active', at2));
    await saves.recordSaveState(save('acc-w2', 1, 'active', at2));
    expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 1, failed: 0 });
    expect(standIn.applied).toEqual([
      {
        accountId: 'acc-w2',
        fields: { [fields.risk]: 'red', [fields.save]: 'active', [fields.at]: at2.toISOString() },
      },
    ]);
    // The save is won: only its status goes, and the record's updated-at moves on.
    const at3 = new Date(t0.getTime() + 3_000);
    await saves.recordSaveState(save('acc-w2', 2, 'saved', at3));
    expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 1, failed: 0 });
    expect(standIn.applied[1]).toEqual({
      accountId: 'acc-w2',
      fields: { [fields.save]: 'saved', [fields.at]: at3.toISOString() },
    });
  });

  it('retries a 500 after the backoff and applies the write once', async () => {
    standIn.know('acc-w3');
    await renewals.recordRenewalState(renewal('acc-w3', 1, 'red', t0));
    standIn.answers.push({
      status: 500,
      body: crm === 'hubspot' ? { message: 'boom' } : [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'boom' }],
    });
    const now = afterWrites();
    expect(await dispatcher.runOnce(now)).toEqual({ sent: 0, failed: 1 });
    let [row] = await readCrmWriteBacks(db, 'acc-w3');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.lastError).toMatch(crm === 'hubspot' ? /HubSpot answered 500/ : /UNKNOWN_EXCEPTION/);
    expect(row!.nextAttemptAt.getTime()).toBe(now.getTime() + 30_000);
    // Not before its time.
    expect(await dispatcher.runOnce(new Date(now.getTime() + 29_000))).toEqual({ sent: 0, failed: 0 });
    expect(await dispatcher.runOnce(new Date(now.getTime() + 30_000))).toEqual({ sent: 1, failed: 0 });
    expect(standIn.writes().map((w) => w.status)).toEqual([500, 200]);
    expect(standIn.applied).toHaveLength(1);
    [row] = await readCrmWriteBacks(db, 'acc-w3');
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    const scrape = await metrics.registry.getSingleMetricAsString('retain_crm_write_backs_total');
    expect(scrape).toContain(`retain_crm_write_backs_total{crm="${crm}",outcome="failed_will_retry"}`);
  });

  it('waits out a 429', async () => {
    standIn.know('acc-w4');
    await renewals.recordRenewalState(renewal('acc-w4', 1, 'yellow', t0));
    standIn.answers.push({
      status: 429,
      headers: { 'retry-after': '120' },
      body:
        crm === 'hubspot'
          ? { status: 'error', category: 'RATE_LIMITS', message: 'slow down' }
          : [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }],
    });
    const now = afterWrites();
    expect(await dispatcher.runOnce(now)).toEqual({ sent: 0, failed: 1 });
    const [row] = await readCrmWriteBacks(db, 'acc-w4');
    // HubSpot's client passes the Retry-After on; jsforce passes no headers, so Salesforce's waits the backoff.
    const wait = crm === 'hubspot' ? 120_000 : 30_000;
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.nextAttemptAt.getTime()).toBe(now.getTime() + wait);
    expect(await dispatcher.runOnce(new Date(now.getTime() + wait - 1_000))).toEqual({ sent: 0, failed: 0 });
    expect(await dispatcher.runOnce(new Date(now.getTime() + wait))).toEqual({ sent: 1, failed: 0 });
    expect(standIn.applied).toEqual([
      { accountId: 'acc-w4', fields: { [fields.risk]: 'yellow', [fields.at]: t0.toISOString() } },
    ]);
  });

  it('gives up at once on a record the CRM does not have', async () => {
    await renewals.recordRenewalState(renewal('acc-unknown', 1, 'red', t0));
    expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 0, failed: 1 });
    const [row] = await readCrmWriteBacks(db, 'acc-unknown');
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.lastError).toMatch(crm === 'hubspot' ? /404/ : /NOT_FOUND/);
    expect(await dispatcher.runOnce(later(3_600_000))).toEqual({ sent: 0, failed: 0 });
  });

  it('never lets an older value overwrite a newer one', async () => {
    standIn.know('acc-w5');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    // Two terms of the account: the newer change wins, whichever write comes last.
    await recordCrmWriteBack(db, {
      accountId: 'acc-w5',
      field: 'risk_category',
      value: 'red',
      changedAt: at(20),
      sourceId: 'renewal:b',
      revision: 4,
    });
    expect(
      await recordCrmWriteBack(db, {
        accountId: 'acc-w5',
        field: 'risk_category',
        value: 'green',
        changedAt: at(10),
        sourceId: 'renewal:a',
        revision: 9,
      }),
    ).toBe(false);
    // A newer change recorded while the older one's write is under way goes out next, after it: another
    // worker's pass meanwhile takes nothing, so the older write cannot land after the newer one.
    let otherWorker: unknown;
    standIn.beforeAnswer = async () => {
      standIn.beforeAnswer = undefined;
      await recordCrmWriteBack(db, {
        accountId: 'acc-w5',
        field: 'risk_category',
        value: 'yellow',
        changedAt: at(30),
        sourceId: 'renewal:b',
        revision: 5,
      });
      otherWorker = await new CrmWriteBackDispatcher(config, db).runOnce(later(1_000));
    };
    const now = afterWrites();
    expect(await dispatcher.runOnce(now)).toEqual({ sent: 1, failed: 0 });
    expect(otherWorker).toEqual({ sent: 0, failed: 0 });
    let [row] = await readCrmWriteBacks(db, 'acc-w5');
    // Released once the older write ended: due at once, not at the end of its claim.
    expect(row).toMatchObject({ value: 'yellow', status: 'pending' });
    expect(row!.nextAttemptAt.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(await dispatcher.runOnce(later(1_000))).toEqual({ sent: 1, failed: 0 });
    expect(standIn.applied.map((a) => a.fields[fields.risk])).toEqual(['red', 'yellow']);
    expect(standIn.records.get('acc-w5')?.[fields.risk]).toBe('yellow');
    [row] = await readCrmWriteBacks(db, 'acc-w5');
    expect(row).toMatchObject({ value: 'yellow', status: 'sent', sentValue: 'yellow' });
  });

  it('records nothing when the deployment has the write-back off', async () => {
    const off = loadConfig({ DATABASE_URL: database.url });
    const offRenewals = new RenewalReadModelActivities(db, off);
    await offRenewals.recordRenewalState(renewal('acc-w6', 1, 'red', t0));
    await new SaveEffortReadModelActivities(db, offRenewals, undefined, off).recordSaveState(
      save('acc-w6', 1, 'active', t0),
    );
    expect(await readCrmWriteBacks(db, 'acc-w6')).toEqual([]);
    const offDispatcher = new CrmWriteBackDispatcher(off, db);
    await recordCrmWriteBack(db, {
      accountId: 'acc-w6',
      field: 'risk_category',
      value: 'red',
      changedAt: t0,
      sourceId: 'r',
      revision: 1,
    });
    expect(await offDispatcher.runOnce(later(0))).toEqual({ sent: 0, failed: 0 });
    expect(standIn.requests).toEqual([]);
  });

  if (crm === 'salesforce')
    it('takes a token by client credentials, and a new one when it expires', async () => {
      standIn.know('acc-w7');
      await renewals.recordRenewalState(renewal('acc-w7', 1, 'yellow', t0));
      expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 1, failed: 0 });
      const issued = standIn.tokensIssued;
      standIn.expireTokens();
      await renewals.recordRenewalState(renewal('acc-w7', 2, 'red', new Date(t0.getTime() + 1_000)));
      expect(await dispatcher.runOnce(later(0))).toEqual({ sent: 1, failed: 0 });
      expect(standIn.tokensIssued).toBe(issued + 1);
      expect(standIn.writes().map((w) => w.status)).toEqual([200, 401, 200]);
      expect(standIn.records.get('acc-w7')?.[fields.risk]).toBe('red');
    });
});
