import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '@retain/domain';
import type { Queryable } from '../sql';
import { PolicyInForce, policyDigest, registeredPolicies } from './policy-in-force';

/**
 * A database that answers the newest-adoption read with what `latest` holds and the
 * registry lookup with `registered` (version and digest), and counts the reads.
 */
function fakeDb() {
  const db = {
    latest: null as null | Record<string, unknown>,
    registered: new Set<string>(),
    fail: false,
    reads: 0,
    registryReads: 0,
    async query<T>(sql: string, params?: unknown[]): Promise<T> {
      if (sql.includes('FROM policy_registry')) {
        db.registryReads += 1;
        if (db.fail) throw new Error('connection refused');
        return (db.registered.has(`${String(params?.[0])} ${String(params?.[1])}`) ? [{ '?column?': 1 }] : []) as T;
      }
      expect(sql).toContain('FROM policy_adoptions');
      db.reads += 1;
      if (db.fail) throw new Error('connection refused');
      return (db.latest ? [db.latest] : []) as T;
    },
  };
  return db satisfies Queryable;
}

const FILE_POLICY = resolvePolicy({ version: 'file.1', renewal: { classification: { healthScoreWarningUpTo: 55 } } });

function adoptionRow(seq: number, version: string, policy: RetainPolicy | Record<string, unknown>) {
  return {
    seq: String(seq),
    version,
    policy,
    adopted_by: 'dir-1',
    adopted_at: new Date('2026-12-17T08:00:00Z'),
    reason: 'back-test bt-1',
    backtest_id: 'bt-1',
  };
}

describe('PolicyInForce', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it('is the deployment policy, with its source, while nothing was adopted', async () => {
    const db = fakeDb();
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    expect(await p.state()).toEqual({ policy: FILE_POLICY, source: 'file', adoption: null });
  });

  it('has workflows carry the policy whole unless lean inputs are on', async () => {
    const p = new PolicyInForce(fakeDb(), { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    expect(await p.carried()).toEqual({ policy: FILE_POLICY, carried: { policy: FILE_POLICY } });
    expect(await PolicyInForce.fixed(DEFAULT_POLICY).carried()).toEqual({
      policy: DEFAULT_POLICY,
      carried: { policy: DEFAULT_POLICY },
    });
  });

  it('with lean inputs, has workflows name the deployment policy by version and digest once a worker registered it durably, and carry an adoption whole', async () => {
    const db = fakeDb();
    const p = new PolicyInForce(
      db,
      { policy: FILE_POLICY, source: 'file' },
      { refreshMs: 5000, now, leanInputs: true },
    );
    // No worker has written it to policy_registry yet (a new api before its workers): whole.
    expect(await p.carried()).toEqual({ policy: FILE_POLICY, carried: { policy: FILE_POLICY } });
    expect(await p.carried()).toEqual({ policy: FILE_POLICY, carried: { policy: FILE_POLICY } });
    expect(db.registryReads).toBe(1); // asked again only after refreshMs
    db.registered.add(`file.1 ${policyDigest(FILE_POLICY)}`);
    clock += 5000;
    expect(await p.carried()).toEqual({
      policy: FILE_POLICY,
      carried: { policyVersion: 'file.1', policyDigest: policyDigest(FILE_POLICY) },
    });
    expect(db.registryReads).toBe(2);
    // Registered for good (the table is append-only): never asked again, even when reads fail.
    db.fail = true;
    clock += 5000;
    expect((await p.carried()).carried).toEqual({ policyVersion: 'file.1', policyDigest: policyDigest(FILE_POLICY) });
    expect(db.registryReads).toBe(2);
    db.fail = false;
    const adopted = resolvePolicy({ version: 'adopted.1', metrics: { alertLeadDays: 21 } });
    db.registered.add(`adopted.1 ${policyDigest(adopted)}`);
    db.latest = adoptionRow(3, 'adopted.1', adopted);
    clock += 5000;
    expect(await p.carried()).toEqual({ policy: adopted, carried: { policy: adopted } });
  });

  it('with lean inputs, carries the policy whole while the registry cannot be read, and without a database', async () => {
    const db = fakeDb();
    db.registered.add(`file.1 ${policyDigest(FILE_POLICY)}`);
    const problems: string[] = [];
    const p = new PolicyInForce(
      db,
      { policy: FILE_POLICY, source: 'file' },
      { refreshMs: 5000, now, leanInputs: true, onProblem: (m) => problems.push(m) },
    );
    await p.state();
    db.fail = true;
    clock += 5000;
    expect((await p.carried()).carried).toEqual({ policy: FILE_POLICY });
    expect(problems).toContain('the policy registry could not be read; carrying the policy whole');
    db.fail = false;
    clock += 5000;
    expect((await p.carried()).carried).toEqual({ policyVersion: 'file.1', policyDigest: policyDigest(FILE_POLICY) });
    const fixed = new PolicyInForce(
      null,
      { policy: FILE_POLICY, source: 'file' },
      { refreshMs: 5000, leanInputs: true },
    );
    expect((await fixed.carried()).carried).toEqual({ policy: FILE_POLICY });
  });

  it('digests a policy by its content, not its key order, and registers the deployment policy and the defaults', () => {
    const reordered = Object.fromEntries(Object.entries(FILE_POLICY).reverse()) as unknown as RetainPolicy;
    expect(policyDigest(FILE_POLICY)).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(reordered)).not.toEqual(Object.keys(FILE_POLICY));
    expect(policyDigest(reordered)).toBe(policyDigest(FILE_POLICY));
    expect(policyDigest(FILE_POLICY)).not.toBe(policyDigest({ ...FILE_POLICY, version: DEFAULT_POLICY.version }));
    expect(policyDigest(FILE_POLICY)).not.toBe(policyDigest(DEFAULT_POLICY));
    expect(registeredPolicies(FILE_POLICY, DEFAULT_POLICY)).toEqual([FILE_POLICY, DEFAULT_POLICY]);
    expect(registeredPolicies(DEFAULT_POLICY, DEFAULT_POLICY)).toEqual([DEFAULT_POLICY]);
  });

  it('is the newest adoption once there is one, with who adopted it, when, and the back-test', async () => {
    const db = fakeDb();
    const adopted = resolvePolicy({ version: 'adopted.1', metrics: { alertLeadDays: 21 } });
    db.latest = adoptionRow(3, 'adopted.1', adopted);
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    const s = await p.state();
    expect(s.source).toBe('adoption');
    expect(s.policy).toEqual(adopted);
    expect(s.adoption).toEqual({
      seq: 3,
      version: 'adopted.1',
      adoptedBy: 'dir-1',
      adoptedAt: new Date('2026-12-17T08:00:00Z'),
      reason: 'back-test bt-1',
      backtestId: 'bt-1',
    });
  });

  it('reads PostgreSQL at most once per refresh interval, and once for calls that arrive together', async () => {
    const db = fakeDb();
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    await Promise.all([p.policy(), p.policy(), p.policy()]);
    expect(db.reads).toBe(1);
    // Adopted elsewhere: not seen before the interval is over (4999 ms after the read), seen at 5000 ms.
    db.latest = adoptionRow(1, 'elsewhere.1', resolvePolicy({ version: 'elsewhere.1' }));
    clock += 4999;
    expect((await p.policy()).version).toBe('file.1');
    clock += 1;
    expect((await p.policy()).version).toBe('elsewhere.1');
    expect(db.reads).toBe(2);
  });

  it('has an adoption of its own process in force at once, and a read begun before it does not undo it', async () => {
    const db = fakeDb();
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    expect((await p.policy()).version).toBe('file.1');
    const mine = resolvePolicy({ version: 'mine.2' });
    // A read that started before the adoption answers with the older row (seq 1).
    db.latest = adoptionRow(1, 'older.1', resolvePolicy({ version: 'older.1' }));
    clock += 5000;
    const stale = p.policy();
    p.adopted({
      seq: 2,
      version: 'mine.2',
      policy: mine as unknown as Record<string, unknown>,
      adoptedBy: 'dir-1',
      adoptedAt: new Date('2026-12-17T09:00:00Z'),
      reason: 'tighter usage',
      backtestId: null,
    });
    expect((await stale).version).toBe('mine.2');
    expect((await p.policy()).version).toBe('mine.2');
  });

  it('resolves an adoption over the deployment policy: a setting the adoption lacks takes the deployment value', async () => {
    const db = fakeDb();
    const { renewal: _renewal, ...withoutRenewal } = resolvePolicy({ version: 'partial.1' });
    db.latest = adoptionRow(1, 'partial.1', withoutRenewal);
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    const policy = await p.policy();
    expect(policy.version).toBe('partial.1');
    // From the file: 55, not the default.
    expect(policy.renewal.classification.healthScoreWarningUpTo).toBe(55);
  });

  it('falls back to the deployment policy, saying why, when the newest adoption no longer resolves', async () => {
    const db = fakeDb();
    const problems: string[] = [];
    db.latest = adoptionRow(1, 'gone.1', { ...DEFAULT_POLICY, version: 'gone.1', retiredSection: { x: 1 } });
    const p = new PolicyInForce(
      db,
      { policy: FILE_POLICY, source: 'file' },
      { refreshMs: 5000, now, onProblem: (m) => problems.push(m) },
    );
    const s = await p.state();
    expect(s.policy).toBe(FILE_POLICY);
    expect(s.source).toBe('file');
    expect(s.problem).toContain('policy.retiredSection: unknown policy setting');
    expect(problems).toHaveLength(1);
  });

  it('keeps the last policy read when a later read fails, and fails when it never read one', async () => {
    const db = fakeDb();
    const problems: string[] = [];
    const p = new PolicyInForce(
      db,
      { policy: FILE_POLICY, source: 'file' },
      { refreshMs: 5000, now, onProblem: (m) => problems.push(m) },
    );
    db.fail = true;
    await expect(p.policy()).rejects.toThrow('connection refused');
    db.fail = false;
    db.latest = adoptionRow(1, 'a.1', resolvePolicy({ version: 'a.1' }));
    expect((await p.policy()).version).toBe('a.1');
    db.fail = true;
    clock += 5000;
    expect((await p.policy()).version).toBe('a.1');
    expect(problems).toEqual(['the policy in force could not be read; keeping the last one read']);
  });

  it('stateFor: the policy in force for a given newest adoption, without a read', () => {
    const db = fakeDb();
    const p = new PolicyInForce(db, { policy: FILE_POLICY, source: 'file' }, { refreshMs: 5000, now });
    const adopted = resolvePolicy({ version: 'given.1' });
    expect(p.stateFor(null)).toEqual({ policy: FILE_POLICY, source: 'file', adoption: null });
    expect(
      p.stateFor({
        seq: 4,
        version: 'given.1',
        policy: adopted as unknown as Record<string, unknown>,
        adoptedBy: 'vp-1',
        adoptedAt: new Date('2026-12-17T10:00:00Z'),
        reason: 'why',
        backtestId: null,
      }),
    ).toMatchObject({ policy: adopted, source: 'adoption', adoption: { seq: 4, adoptedBy: 'vp-1' } });
    expect(db.reads).toBe(0);
  });

  it('fixed: the deployment policy, never a read', async () => {
    const p = PolicyInForce.fixed(FILE_POLICY, 'file');
    expect(await p.state()).toEqual({ policy: FILE_POLICY, source: 'file', adoption: null });
  });
});
