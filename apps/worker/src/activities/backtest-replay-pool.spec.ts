import { createHash } from 'node:crypto';
import {
  DEFAULT_POLICY,
  addAccountToTally,
  emptyTally,
  plantedUsageSeries,
  resolvePolicy,
  seededRandom,
  type BacktestAccountHistory,
  type BacktestEvent,
  type BacktestPolicies,
  type BacktestTally,
} from '@retain/domain';
import { BacktestReplayPool, type ReplayJob } from './backtest-replay-pool';

const DAY = 86_400_000;
const PERIOD = { from: '2026-03-01', to: '2026-11-30' };
const NOW = new Date('2027-03-01T00:00:00.000Z');
const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];

/** A seeded account-year: weekly usage (a drop on some), signals of several kinds, a renewal churned or renewed. */
function history(i: number): BacktestAccountHistory {
  const random = seededRandom(500 + i);
  const id = `acc-${String(i).padStart(3, '0')}`;
  const churns = random() < 0.3;
  const dropFrom = random() < 0.6 ? `2026-0${4 + Math.floor(random() * 5)}-0${1 + Math.floor(random() * 8)}` : null;
  const events: BacktestEvent[] = plantedUsageSeries({
    accountId: id,
    from: '2026-01-05',
    to: '2026-11-30',
    everyDays: 7,
    activeUsers: Math.round(50 + random() * 2000),
    dropPct: dropFrom ? 20 + random() * 40 : 0,
    dropFrom,
    noisePct: 3,
    random,
  });
  const start = Date.parse('2026-01-05T00:00:00Z');
  const kinds: Array<[string, () => Record<string, unknown>]> = [
    ['reply_time', () => ({ hours: Math.round(random() * 200) })],
    ['nps', () => ({ score: Math.floor(random() * 11) })],
    ['health_score', () => ({ score: Math.floor(20 + random() * 80) })],
    ['meeting_cancelled', () => ({ meetingKind: 'qbr' })],
  ];
  for (let j = 0; j < 30; j++) {
    const [type, payload] = kinds[j % kinds.length]!;
    events.push({
      type,
      occurredAt: new Date(start + Math.floor(random() * 320 * DAY)).toISOString(),
      payload: payload(),
      eventId: `x:${id}:${j}`,
      source: 'spec',
    } as BacktestEvent);
  }
  const decidedAt = new Date(start + Math.floor(150 + random() * 150) * DAY).toISOString();
  return {
    account: {
      id,
      segment: SEGMENTS[i % 3]!,
      vertical: null,
      arrCents: Math.round(1_000_000 + random() * 50_000_000),
      timeZone: ZONES[i % 4]!,
      ownerCsmId: `csm-${i % 7}`,
      csmManagerId: null,
    },
    events,
    renewals: [
      { renewalDate: decidedAt.slice(0, 10), outcome: churns ? 'churned' : 'renewed', decidedAt },
    ] as BacktestAccountHistory['renewals'],
    saves: i % 5 === 0 ? [{ startedAt: '2026-05-01T00:00:00.000Z', endedAt: '2026-07-01T00:00:00.000Z' }] : [],
  };
}

const policies: BacktestPolicies = {
  current: DEFAULT_POLICY,
  candidates: [
    {
      label: 'usage-25',
      policy: resolvePolicy({
        version: 'spec-usage-25',
        earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 25, mid_market: 25, smb: 25 } } } },
      }),
    },
  ],
};
const job: ReplayJob = { policies, period: PERIOD, now: NOW };
const histories = Array.from({ length: 40 }, (_, i) => history(i));

/** The tally of one thread adding every account in turn: the reference. */
function sequential(): BacktestTally {
  const tally = emptyTally();
  for (const h of histories) addAccountToTally(tally, h, policies, PERIOD, NOW);
  return tally;
}
const digest = (t: BacktestTally) => createHash('sha256').update(JSON.stringify(t)).digest('hex');

async function* streamed(hs: BacktestAccountHistory[]): AsyncGenerator<BacktestAccountHistory> {
  for (const h of hs) {
    await new Promise((resolve) => setImmediate(resolve));
    yield h;
  }
}

describe('BacktestReplayPool: the same tally whatever the thread count', () => {
  const reference = sequential();
  // One pool per thread count, reused (a thread started from the sources takes a while).
  const pools = new Map<number, BacktestReplayPool>();
  const poolOf = (threads: number, chunkEvents = 200) => {
    const known = pools.get(threads);
    if (known) return known;
    const pool = new BacktestReplayPool(threads, chunkEvents);
    pools.set(threads, pool);
    return pool;
  };
  afterAll(async () => {
    await Promise.all([...pools.values()].map((p) => p.close()));
  });

  it('the reference raises alerts under both policies (the comparison below is not of empty tallies)', () => {
    expect(reference.accountsRead).toBe(40);
    expect(reference.byPolicy['current']?.['*|*|*']?.alerts).toBeGreaterThan(0);
    expect(reference.byPolicy['usage-25']?.['*|*|*']?.alerts).toBeGreaterThan(0);
  });

  it.each([0, 1, 2, 3])(
    '%p threads, chunks of about 200 events: the same tally, the same digest',
    async (threads) => {
      const pool = poolOf(threads);
      let read = 0;
      const tally = await pool.tallyOf(streamed(histories), job, () => (read += 1));
      expect(read).toBe(40);
      expect(tally).toEqual(reference);
      expect(digest(tally)).toBe(digest(reference));
      // The pool stays for the next page: the same again.
      expect(digest(await pool.tallyOf(histories, job))).toBe(digest(reference));
    },
    60_000,
  );

  it('pages in hand at once share the threads, each with its own tally', async () => {
    const pool = poolOf(2);
    const [a, b] = await Promise.all([
      pool.tallyOf(histories.slice(0, 20), job),
      pool.tallyOf(streamed(histories.slice(20)), job),
    ]);
    const first = emptyTally();
    for (const h of histories.slice(0, 20)) addAccountToTally(first, h, policies, PERIOD, NOW);
    expect(a).toEqual(first);
    expect(b.accountsRead).toBe(20);
    expect(b.eventsRead + a.eventsRead).toBe(reference.eventsRead);
  }, 60_000);

  it('a replay that throws in a thread fails the page with its message, and the pool goes on', async () => {
    const pool = poolOf(2);
    const bad = { ...histories[3]!, account: { ...histories[3]!.account, timeZone: 'Not/A_Zone' } };
    const inThread = await pool.tallyOf([...histories.slice(0, 3), bad], job).catch((e: Error) => e);
    const direct = (() => {
      try {
        addAccountToTally(emptyTally(), bad, policies, PERIOD, NOW);
        return null;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(direct).toBeInstanceOf(Error);
    expect(inThread).toBeInstanceOf(Error);
    expect((inThread as Error).message).toBe(direct!.message);
    expect(digest(await pool.tallyOf(histories, job))).toBe(digest(reference));
  }, 60_000);

  it('reports each started thread heap', async () => {
    const pool = poolOf(2);
    await pool.tallyOf(histories, job);
    const heaps = await pool.threadHeaps();
    expect(heaps).toHaveLength(2);
    for (const h of heaps) expect(h).toBeGreaterThan(0);
  }, 60_000);
});
