import type { DataSource } from 'typeorm';
import {
  addSegmentUsage,
  createDataSource,
  lockSegmentUsageDay,
  recordSegmentReading,
  segmentWindowTotals,
  type SegmentUsageIncrement,
} from '@retain/persistence';
import { USAGE_READING_DAYS } from '@retain/domain';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The Segment connector's rollup (docs/connectors/segment.md) against a real PostgreSQL:
 * a user's counts add up per account and UTC day, a trailing window counts its distinct
 * users and the logins of those marked key users anywhere in it, and two calls of one
 * account-day racing each other under the day's lock both count.
 */
describe('the Segment usage rollup (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 4 });
    await db.initialize();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const call = (day: string, userId: string, over: Partial<SegmentUsageIncrement> = {}): SegmentUsageIncrement => ({
    accountId: 'acc-r',
    day,
    userId,
    occurredAt: `${day}T10:00:00.000Z`,
    keyUser: false,
    logins: 0,
    coreFeatureUses: 0,
    sessions: 0,
    sessionMinutes: 0,
    dataCreated: 0,
    ...over,
  });

  it('sums a week: distinct users, key users’ logins (marked on any day of it), the other counts', async () => {
    // u-1 is marked a key user on the 1st (identify) and signs in on the 3rd and 5th; u-2 signs in, never key.
    await addSegmentUsage(db, call('2027-03-01', 'u-1', { keyUser: true }));
    await addSegmentUsage(db, call('2027-03-03', 'u-1', { logins: 1 }));
    await addSegmentUsage(db, call('2027-03-05', 'u-1', { logins: 1, occurredAt: '2027-03-05T08:00:00.000Z' }));
    await addSegmentUsage(db, call('2027-03-05', 'u-2', { logins: 1, coreFeatureUses: 1 }));
    await addSegmentUsage(db, call('2027-03-05', 'u-2', { sessions: 1, sessionMinutes: 12.5 }));
    const day = await addSegmentUsage(db, call('2027-03-07', 'u-3', { dataCreated: 1 }));
    expect(day).toEqual({ latestCallAt: '2027-03-07T10:00:00.000Z', readings: 0, readingAt: null, reading: null });
    expect(await segmentWindowTotals(db, 'acc-r', '2027-03-07', USAGE_READING_DAYS)).toEqual({
      activeUsers: 3,
      keyUserLogins: 2,
      coreFeatureUses: 1,
      sessions: 1,
      sessionMinutes: 12.5,
      dataCreated: 1,
    });
    // A week later than the 1st: the key-user mark is out of the window, so u-1's logins are an ordinary user's.
    expect(await segmentWindowTotals(db, 'acc-r', '2027-03-08', USAGE_READING_DAYS)).toMatchObject({
      activeUsers: 3,
      keyUserLogins: 0,
    });
    expect(await segmentWindowTotals(db, 'acc-r', '2027-03-20', USAGE_READING_DAYS)).toMatchObject({ activeUsers: 0 });
    // The day keeps its latest call and the last reading given.
    await recordSegmentReading(db, 'acc-r', '2027-03-05', {
      number: 3,
      at: '2027-03-05T10:00:00.001Z',
      payload: { activeUsers: 2 },
    });
    expect(await addSegmentUsage(db, call('2027-03-05', 'u-1', { occurredAt: '2027-03-05T07:00:00.000Z' }))).toEqual({
      latestCallAt: '2027-03-05T10:00:00.000Z',
      readings: 3,
      readingAt: '2027-03-05T10:00:00.001Z',
      reading: { activeUsers: 2 },
    });
  });

  it('counts two calls of one account-day racing each other, each in its transaction under the day’s lock', async () => {
    const count = (userId: string) =>
      db.transaction(async (em) => {
        await lockSegmentUsageDay(em, 'acc-race', '2027-04-01');
        await addSegmentUsage(em, {
          ...call('2027-04-01', userId, { logins: 1, keyUser: true }),
          accountId: 'acc-race',
        });
        return segmentWindowTotals(em, 'acc-race', '2027-04-01', USAGE_READING_DAYS);
      });
    const results = await Promise.all([count('u-1'), count('u-1'), count('u-2')]);
    // Serialised: what each transaction saw grows one call at a time (no two saw the same), the last sees all three.
    expect(results.map((r) => r.keyUserLogins).sort()).toEqual([1, 2, 3]);
    const rows = await db.query(
      `SELECT user_id, calls, logins FROM segment_usage_users WHERE account_id = 'acc-race' ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: 'u-1', calls: 2, logins: 2 },
      { user_id: 'u-2', calls: 1, logins: 1 },
    ]);
  });
});
