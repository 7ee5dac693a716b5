import type { DataSource } from 'typeorm';
import { createDataSource } from '@retain/persistence';
import { DEFAULT_POLICY, layOutTasks, renewalOwnership } from '@retain/domain';
import type { RenewalState } from '@retain/workflows';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import type { RenewalNotification } from '../../workflows/renewal.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot } from '../support/factories';

/** The renewal activities against a real PostgreSQL: idempotent, and never moving backwards. */
describe('renewal read-model activities (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let activities: RenewalReadModelActivities;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    activities = new RenewalReadModelActivities(db);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const account = anAccountSnapshot('acc-int-1', { name: 'Int Co', arrCents: 700_000, segment: 'smb' });
  const at = new Date('2027-01-01T09:00:00Z');
  const state = (revision: number, overrides: Partial<RenewalState> = {}): RenewalState => ({
    renewalId: 'renewal:acc-int-1:2027-03-31',
    account,
    renewalDate: '2027-03-31',
    originalRenewalDate: '2027-03-31',
    status: 'active',
    phase: 'assessment',
    reachedPhases: ['assessment'],
    timeBand: 'comprehensive',
    nextMilestone: { phase: 'preparation', at: '2027-01-30T09:00:00.000Z' },
    health: {},
    category: 'yellow',
    classificationHistory: [],
    ownership: renewalOwnership(
      { arrCents: account.arrCents, category: 'yellow', ownerCsmId: 'csm-1', salesRepId: null },
      DEFAULT_POLICY,
    ),
    tasks: layOutTasks('assessment', 'yellow', { triggeredAt: at, now: at }, account, [], DEFAULT_POLICY),
    decision: null,
    saveRequest: null,
    exception: null,
    postRenewalStartedAt: null,
    cancellation: null,
    nextTermRenewalId: null,
    winBackId: null,
    policyVersion: DEFAULT_POLICY.version,
    startedAt: at.toISOString(),
    updatedAt: at.toISOString(),
    revision,
    audit: [{ seq: revision, at: at.toISOString(), actor: 'workflow', action: `step-${revision}`, detail: {} }],
    appliedEventIds: [],
    ...overrides,
  });

  async function snapshot(): Promise<unknown> {
    const [renewals, tasks, audit, accounts] = await Promise.all([
      db.query('SELECT * FROM renewals ORDER BY id'),
      db.query('SELECT * FROM renewal_tasks ORDER BY renewal_id, task_id'),
      db.query('SELECT * FROM renewal_audit ORDER BY renewal_id, seq'),
      db.query(
        'SELECT id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id FROM accounts ORDER BY id',
      ),
    ]);
    return { renewals, tasks, audit, accounts };
  }

  it('writes the same state twice with no difference', async () => {
    await activities.recordRenewalState(state(1));
    const first = await snapshot();
    await activities.recordRenewalState(state(1));
    expect(await snapshot()).toEqual(first);
    expect((first as { tasks: unknown[] }).tasks).toHaveLength(2);
  });

  it('applies a newer revision and ignores an older one arriving late', async () => {
    const done = state(2);
    done.tasks[0]!.state = 'done';
    done.tasks[0]!.completedBy = 'csm-1';
    await activities.recordRenewalState({ ...done, phase: 'preparation' });
    const afterNewer = await snapshot();
    await activities.recordRenewalState(state(1, { phase: 'scheduled' }));
    expect(await snapshot()).toEqual(afterNewer);
    const row: Array<{ phase: string; revision: number }> = await db.query('SELECT phase, revision FROM renewals');
    expect(row).toEqual([{ phase: 'preparation', revision: 2 }]);
    const task: Array<{ state: string; completed_by: string }> = await db.query(
      "SELECT state, completed_by FROM renewal_tasks WHERE task_id = 'assessment_review'",
    );
    expect(task).toEqual([{ state: 'done', completed_by: 'csm-1' }]);
    const audit: Array<{ seq: number }> = await db.query('SELECT seq FROM renewal_audit ORDER BY seq');
    expect(audit.map((a) => a.seq)).toEqual([1, 2]);
  });

  it('records a notification once per key, resolving the manager from the principals', async () => {
    await db.query(
      "INSERT INTO principals (id, display_name, role, kind) VALUES ('boss-9', 'Boss', 'csm_manager', 'person')",
    );
    await db.query(
      "INSERT INTO principals (id, display_name, role, kind, manager_id) VALUES ('csm-1', 'Csm', 'csm', 'person', 'boss-9')",
    );
    const n: RenewalNotification = {
      key: 'renewal:acc-int-1:2027-03-31:task_overdue:assessment_review',
      kind: 'task_overdue',
      renewalId: 'renewal:acc-int-1:2027-03-31',
      accountId: 'acc-int-1',
      recipientIds: ['csm-1'],
      managerOf: 'csm-1',
      subject: 'Overdue',
      detail: { taskId: 'assessment_review' },
    };
    await activities.notify(n);
    await activities.notify(n);
    await activities.notify({ ...n, key: `${n.key}:other`, managerOf: 'nobody-known' });
    const rows: Array<{ key: string; escalate_to: string | null; recipient_ids: string[] }> = await db.query(
      'SELECT key, escalate_to, recipient_ids FROM notifications ORDER BY key',
    );
    expect(rows).toEqual([
      { key: n.key, escalate_to: 'boss-9', recipient_ids: ['csm-1'] },
      // Someone without a principal record: the account's CSM manager.
      { key: `${n.key}:other`, escalate_to: 'mgr-1', recipient_ids: ['csm-1'] },
    ]);
  });
});
