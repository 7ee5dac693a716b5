import type { DataSource } from 'typeorm';
import { loadConfig } from '@retain/config';
import type { AccountContact } from '@retain/domain';
import {
  assertAccountFacts,
  changeAccountFacts,
  createDataSource,
  lockAccountFacts,
  lockAccounts,
  readAccountFacts,
  readAccountRiskContext,
  seedAccount,
} from '@retain/persistence';
import { AccountRiskReadModelActivities } from '../../apps/worker/src/activities/account-risk.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot } from '../support/factories';

/**
 * The account's profile in the accounts table (libs/persistence/src/accounts/accounts.sql.ts),
 * against a real PostgreSQL: a launch states only the profile fields it names, a change
 * older than the row's facts is ignored like any other, contacts compare by content, the
 * columns refuse what the vocabularies do not have, and the vertical reaches the account
 * workflow's context.
 */
describe("an account's profile, in the accounts table (PostgreSQL)", () => {
  let database: TestDatabase;
  let db: DataSource;
  const dana: AccountContact = { name: 'Dana Lee', email: 'dana@acme.example', title: 'CFO', departedAt: null };
  const sam: AccountContact = { name: 'Sam Ito', email: null, title: null, departedAt: null };
  const t = (iso: string) => new Date(iso);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('a launch states the profile fields it names and keeps the others; a new account without any has none', async () => {
    const created = await assertAccountFacts(
      db,
      { ...anAccountSnapshot('acc-pf-1'), vertical: 'education', executiveSponsor: dana },
      t('2027-01-01T00:00:00Z'),
    );
    expect(created.before).toBeNull();
    expect(created.after).toMatchObject({ vertical: 'education', executiveSponsor: dana, champion: null });
    expect(created.after.lifecycleStage).toBeNull();

    // The same launch again, from before the profile existed: the profile stays.
    const again = await assertAccountFacts(db, anAccountSnapshot('acc-pf-1'), t('2027-01-02T00:00:00Z'));
    expect(again.after).toEqual(created.after);
    // A launch naming a champion and clearing the vertical: only those change.
    const named = await assertAccountFacts(
      db,
      { ...anAccountSnapshot('acc-pf-1'), vertical: null, champion: sam },
      t('2027-01-03T00:00:00Z'),
    );
    expect(named.after).toMatchObject({ vertical: null, executiveSponsor: dana, champion: sam });

    await assertAccountFacts(db, anAccountSnapshot('acc-pf-2'), t('2027-01-01T00:00:00Z'));
    expect(await readAccountFacts(db, 'acc-pf-2')).toMatchObject({
      vertical: null,
      executiveSponsor: null,
      champion: null,
      lifecycleStage: null,
    });
  });

  it('a profile change is applied by the as-of rule of every fact, and a contact restated alike changes nothing', async () => {
    await assertAccountFacts(db, anAccountSnapshot('acc-pf-3'), t('2027-02-01T00:00:00Z'));
    const changed = await changeAccountFacts(
      db,
      'acc-pf-3',
      { lifecycleStage: 'adoption', executiveSponsor: dana },
      t('2027-02-02T00:00:00Z'),
    );
    expect(changed).toMatchObject({ applied: true, after: { lifecycleStage: 'adoption', executiveSponsor: dana } });
    // The same contact, its keys in another order: nothing to change.
    const same = await changeAccountFacts(
      db,
      'acc-pf-3',
      { executiveSponsor: { departedAt: null, title: 'CFO', email: 'dana@acme.example', name: 'Dana Lee' } },
      t('2027-02-03T00:00:00Z'),
    );
    expect(same?.applied).toBe(false);
    // A CRM event older than the row's facts is ignored.
    const late = await changeAccountFacts(db, 'acc-pf-3', { lifecycleStage: 'onboarding' }, t('2027-02-01T12:00:00Z'));
    expect(late).toMatchObject({ applied: false, after: { lifecycleStage: 'adoption' } });
    const cleared = await changeAccountFacts(
      db,
      'acc-pf-3',
      { executiveSponsor: null, lifecycleStage: null },
      t('2027-02-04T00:00:00Z'),
    );
    expect(cleared?.after).toMatchObject({ executiveSponsor: null, lifecycleStage: null });
    expect(await db.query(`SELECT executive_sponsor, lifecycle_stage FROM accounts WHERE id = 'acc-pf-3'`)).toEqual([
      { executive_sponsor: null, lifecycle_stage: null },
    ]);
  });

  it('the columns refuse a vertical, a stage or a contact the vocabularies do not have', async () => {
    await seedAccount(db, anAccountSnapshot('acc-pf-4'));
    for (const [column, value] of [
      ['vertical', 'schools'],
      ['lifecycle_stage', 'teenage'],
      ['executive_sponsor', '"Dana Lee"'],
      ['champion', '["Sam Ito"]'],
    ] as const)
      await expect(db.query(`UPDATE accounts SET ${column} = $1 WHERE id = 'acc-pf-4'`, [value])).rejects.toThrow(
        /check constraint/,
      );
  });

  it('locks the row for a change computed from it, until the transaction ends', async () => {
    await seedAccount(db, anAccountSnapshot('acc-pf-5'));
    await db.transaction(async (em) => {
      expect((await lockAccountFacts(em, 'acc-pf-5'))?.id).toBe('acc-pf-5');
      const [{ locked }] = await db.query(
        `SELECT NOT EXISTS (SELECT 1 FROM accounts WHERE id = 'acc-pf-5' FOR UPDATE SKIP LOCKED) AS locked`,
      );
      expect(locked).toBe(true);
    });
    expect(await lockAccountFacts(db, 'acc-nobody')).toBeNull();
  });

  it('locks the rows of the accounts a request of events changes, all of them, whatever order it names them in', async () => {
    await seedAccount(db, anAccountSnapshot('acc-pf-7'));
    const unlocked = async () =>
      (
        await db.query<Array<{ id: string }>>(
          `SELECT id FROM accounts WHERE id IN ('acc-pf-5', 'acc-pf-7') ORDER BY id FOR UPDATE SKIP LOCKED`,
        )
      ).map((r) => r.id);
    await db.transaction(async (em) => {
      await lockAccounts(em, ['acc-pf-7', 'acc-nobody', 'acc-pf-5', 'acc-pf-7']);
      expect(await unlocked()).toEqual([]);
    });
    expect(await unlocked()).toEqual(['acc-pf-5', 'acc-pf-7']);
    await expect(lockAccounts(db, [])).resolves.toBeUndefined();
  });

  it("gives the account workflow the account's vertical with its facts", async () => {
    await assertAccountFacts(
      db,
      { ...anAccountSnapshot('acc-pf-6', { segment: 'smb' }), vertical: 'education' },
      t('2027-03-01T00:00:00Z'),
    );
    expect(await readAccountRiskContext(db, 'acc-pf-6')).toMatchObject({ segment: 'smb', vertical: 'education' });
    const risk = new AccountRiskReadModelActivities(db, loadConfig({ DATABASE_URL: database.url }));
    expect((await risk.loadAccountContext('acc-pf-6'))?.account).toMatchObject({
      id: 'acc-pf-6',
      segment: 'smb',
      vertical: 'education',
    });
    expect((await risk.loadAccountContext('acc-pf-2'))?.account.vertical).toBeNull();
  });
});
