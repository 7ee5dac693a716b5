import type { DataSource } from 'typeorm';
import { createDataSource } from '@retain/persistence';
import { DEFAULT_POLICY, layOutTasks, renewalOwnership } from '@retain/domain';
import type { AccountSnapshot, RenewalState } from '@retain/workflows';
import { isRefusedData } from '../../apps/worker/src/activities/read-model-rejections';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot } from '../support/factories';

/**
 * A read-model write the database refuses for its data (here text with U+0000, which no
 * text or jsonb column takes) is reported and skipped: the activity completes instead of
 * failing on every retry and freezing the workflow behind it, and the refusal is one row
 * of read_model_rejections however often it is retried. An unreachable database is
 * still an error, so Temporal retries it.
 */
describe('read-model writes the database refuses (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const at = '2027-01-01T09:00:00.000Z';
  const state = (name: string, revision: number): RenewalState => {
    const account: AccountSnapshot = anAccountSnapshot('acc-nul', {
      name,
      arrCents: 7_000_000,
      segment: 'mid_market',
      csmManagerId: null,
    });
    return {
      renewalId: 'renewal:acc-nul:2027-03-31',
      account,
      renewalDate: '2027-03-31',
      originalRenewalDate: '2027-03-31',
      status: 'active',
      phase: 'assessment',
      reachedPhases: ['assessment'],
      timeBand: 'comprehensive',
      nextMilestone: null,
      health: {},
      category: 'yellow',
      classificationHistory: [],
      ownership: renewalOwnership(
        { arrCents: account.arrCents, category: 'yellow', ownerCsmId: account.ownerCsmId, salesRepId: null },
        DEFAULT_POLICY,
      ),
      tasks: layOutTasks(
        'assessment',
        'yellow',
        { triggeredAt: new Date(at), now: new Date(at) },
        account,
        [],
        DEFAULT_POLICY,
      ),
      decision: null,
      saveRequest: null,
      exception: null,
      postRenewalStartedAt: null,
      cancellation: null,
      nextTermRenewalId: null,
      winBackId: null,
      policyVersion: DEFAULT_POLICY.version,
      startedAt: at,
      updatedAt: at,
      revision,
      audit: [],
      appliedEventIds: [],
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2, LOG_LEVEL: 'silent' });
    await db.initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('completes, writes nothing of the refused state, and reports it once per revision', async () => {
    const activities = new RenewalReadModelActivities(db);
    await expect(activities.recordRenewalState(state('Acme\u0000KK', 1))).resolves.toBeUndefined();
    await expect(activities.recordRenewalState(state('Acme\u0000KK', 1))).resolves.toBeUndefined();
    expect(await db.query('SELECT id FROM renewals')).toEqual([]);
    const rejections: Array<{ read_model: string; object_id: string; revision: number; sqlstate: string }> =
      await db.query('SELECT read_model, object_id, revision, sqlstate FROM read_model_rejections');
    expect(rejections).toEqual([
      {
        read_model: 'renewals',
        object_id: 'renewal:acc-nul:2027-03-31',
        revision: 1,
        sqlstate: expect.stringMatching(/^22/),
      },
    ]);
    // A later revision the database takes is written as usual.
    await activities.recordRenewalState(state('Acme KK', 2));
    expect(await db.query<Array<{ revision: number }>>('SELECT revision FROM renewals')).toEqual([{ revision: 2 }]);
  });

  it('tells data refusals (classes 22, 23, 54) from an unreachable database', () => {
    expect(isRefusedData(Object.assign(new Error('invalid byte sequence'), { code: '22021' }))).toBe(true);
    expect(isRefusedData(Object.assign(new Error('check violation'), { code: '23514' }))).toBe(true);
    expect(isRefusedData(Object.assign(new Error('index row too large'), { code: '54000' }))).toBe(true);
    expect(isRefusedData(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRefusedData(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(false);
  });
});
