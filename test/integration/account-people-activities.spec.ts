import type { DataSource } from 'typeorm';
import { createDataSource } from '@retain/persistence';
import { RENEWAL_REFUSALS } from '@retain/workflows';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AccountPeopleActivities } from '../../apps/worker/src/activities/account-people.activities';
import type { WorkerTemporalClient } from '../../apps/worker/src/worker-temporal-client';
import { createTestDatabase, type TestDatabase } from '../support/database';

interface Live {
  status: string;
  account: { ownerCsmId: string; csmManagerId: string | null; salesRepId: string | null };
}

/**
 * propagateAccountPeople against a real PostgreSQL and a recording Temporal client: the
 * account's people as the accounts row holds them reach each of its open renewals by
 * one update, under an update id of the event and renewal (a retry sends the same id,
 * which Temporal applies once); a renewal that already has them, has ended, or refuses
 * as closed is left alone.
 */
describe('propagateAccountPeople (PostgreSQL, recording Temporal client)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const live = new Map<string, Live>();
  const sent: Array<{ workflowId: string; updateId: string; args: unknown }> = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        query: async () => {
          const s = live.get(workflowId);
          if (!s) throw new Error(`no workflow ${workflowId}`);
          return structuredClone(s);
        },
        executeUpdate: async (_def: unknown, options: { args: [Record<string, unknown>]; updateId: string }) => {
          if (workflowId.endsWith('closed-race'))
            throw new WorkflowUpdateFailedError(
              'refused',
              ApplicationFailure.create({ type: RENEWAL_REFUSALS.closed, message: 'closed' }),
            );
          sent.push({ workflowId, updateId: options.updateId, args: options.args[0] });
          const s = live.get(workflowId)!;
          s.account = {
            ownerCsmId: String(options.args[0].ownerCsmId),
            csmManagerId: (options.args[0].csmManagerId as string | null) ?? null,
            salesRepId: (options.args[0].salesRepId as string | null) ?? null,
          };
          return {};
        },
      }),
    },
  };
  let activities: AccountPeopleActivities;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    activities = new AccountPeopleActivities(db, { client } as unknown as WorkerTemporalClient);
    await db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, sales_rep_id) VALUES ('acc-p', 'P KK', 100, 'smb', 'UTC', 'csm-new', 'mgr-new', NULL)`,
    );
    const renewal = (id: string, date: string, status: string) =>
      db.query(
        `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, arr_cents, segment, owner_csm_id, policy_version, revision, started_at, updated_at)
         VALUES ($1, 'acc-p', $2, $2, $3, 'assessment', 'comprehensive', 100, 'smb', 'csm-old', 'v', 1, now(), now())`,
        [id, date, status],
      );
    await renewal('renewal:acc-p:2027-03-31', '2027-03-31', 'active');
    await renewal('renewal:acc-p:2028-03-31', '2028-03-31', 'active');
    await renewal('renewal:acc-p:2026-03-31', '2026-03-31', 'closed');
    await renewal('renewal:acc-p:closed-race', '2029-03-31', 'active');
    live.set('renewal:acc-p:2027-03-31', {
      status: 'active',
      account: { ownerCsmId: 'csm-old', csmManagerId: 'mgr-old', salesRepId: null },
    });
    live.set('renewal:acc-p:2028-03-31', {
      status: 'active',
      account: { ownerCsmId: 'csm-new', csmManagerId: 'mgr-new', salesRepId: null },
    });
    live.set('renewal:acc-p:closed-race', {
      status: 'active',
      account: { ownerCsmId: 'csm-old', csmManagerId: null, salesRepId: null },
    });
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("updates each open renewal that lacks the account's people, once per event id, and skips the rest", async () => {
    await activities.propagateAccountPeople({ accountId: 'acc-p', eventId: 'retain:account-facts:1', by: 'ops-1' });
    expect(sent).toEqual([
      {
        workflowId: 'renewal:acc-p:2027-03-31',
        updateId: 'changeRenewal:account-people:retain:account-facts:1:renewal:acc-p:2027-03-31',
        args: { ownerCsmId: 'csm-new', csmManagerId: 'mgr-new', salesRepId: null, by: 'ops-1' },
      },
    ]);
    // A retry of the activity (its result lost): the renewal already has the people, nothing is sent again.
    await activities.propagateAccountPeople({ accountId: 'acc-p', eventId: 'retain:account-facts:1', by: 'ops-1' });
    expect(sent).toHaveLength(1);
    // A retry that finds the update not applied yet sends the same update id, which Temporal deduplicates.
    live.get('renewal:acc-p:2027-03-31')!.account.ownerCsmId = 'csm-old';
    await activities.propagateAccountPeople({ accountId: 'acc-p', eventId: 'retain:account-facts:1', by: 'ops-1' });
    expect(sent.map((x) => x.updateId)).toEqual([sent[0]!.updateId, sent[0]!.updateId]);
  });

  it('does nothing for an account Retain does not know', async () => {
    const before = sent.length;
    await activities.propagateAccountPeople({ accountId: 'acc-unknown', eventId: 'x:1', by: 'crm' });
    expect(sent).toHaveLength(before);
  });
});
