import type { DataSource } from 'typeorm';
import {
  countRequest,
  countRequestAndFindKey,
  createDataSource,
  findActiveApiKey,
  listAudit,
  principalExists,
} from '@retain/persistence';
import { ApiKeyStore, RoleChangeRefused } from '../../apps/api/src/auth/api-key-store';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** API keys against a real PostgreSQL: role changes only when asked, scopes, the audit trail of keys. */
describe('API keys (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let store: ApiKeyStore;
  const actor = { id: 'cli:ops', role: null };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    store = new ApiKeyStore(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("refuses to change an existing principal's role with a new key unless asked, and audits the change when asked", async () => {
    const first = await store.issue({ id: 'u-ann', displayName: 'Ann', role: 'csm' }, null, { actor });
    await expect(store.issue({ id: 'u-ann', displayName: 'Ann', role: 'vp' }, null, { actor })).rejects.toBeInstanceOf(
      RoleChangeRefused,
    );
    // Nothing changed: her key is still a csm's, and no second key was issued.
    expect((await store.authenticate(first.key))?.role).toBe('csm');
    expect((await db.query<unknown[]>("SELECT 1 FROM api_keys WHERE principal_id = 'u-ann'")).length).toBe(1);
    // A second key with the same role is fine; the role changes only with changeRole, for every key she holds.
    await store.issue({ id: 'u-ann', displayName: 'Ann', role: 'csm' }, null, { actor });
    await store.issue({ id: 'u-ann', displayName: 'Ann', role: 'csm_manager' }, null, { actor, changeRole: true });
    expect((await store.authenticate(first.key))?.role).toBe('csm_manager');
    const acts = await listAudit(db, { subjectId: 'u-ann', limit: 10 });
    expect(acts.map((a) => a.action).reverse()).toEqual([
      'api_key.issued',
      'api_key.issued',
      'principal.role_changed',
      'api_key.issued',
    ]);
    expect(acts.find((a) => a.action === 'principal.role_changed')).toMatchObject({
      actorId: 'cli:ops',
      detail: { from: 'csm', to: 'csm_manager' },
    });
  });

  it("keeps a person's manager when a new key does not name one, and clears it only when told", async () => {
    await store.issue({ id: 'u-mgr', displayName: 'M', role: 'csm_manager' });
    await store.issue({ id: 'u-bo', displayName: 'Bo', role: 'csm', managerId: 'u-mgr' });
    await store.issue({ id: 'u-bo', displayName: 'Bo', role: 'csm' });
    expect(
      (await db.query<Array<{ manager_id: string | null }>>("SELECT manager_id FROM principals WHERE id = 'u-bo'"))[0]
        ?.manager_id,
    ).toBe('u-mgr');
    await store.issue({ id: 'u-bo', displayName: 'Bo', role: 'csm', managerId: null });
    expect(
      (await db.query<Array<{ manager_id: string | null }>>("SELECT manager_id FROM principals WHERE id = 'u-bo'"))[0]
        ?.manager_id,
    ).toBeNull();
  });

  it('gives integration keys scopes (signals by default) and people none', async () => {
    const plain = await store.issue({ id: 'int-an', displayName: 'Analytics', role: 'integration' });
    const crm = await store.issue({
      id: 'int-crm',
      displayName: 'CRM',
      role: 'integration',
      scopes: ['signals', 'account_facts'],
    });
    expect((await store.authenticate(plain.key))?.scopes).toEqual(['signals']);
    expect((await store.authenticate(crm.key))?.scopes).toEqual(['signals', 'account_facts']);
    await expect(store.issue({ id: 'u-cy', displayName: 'Cy', role: 'csm', scopes: ['signals'] })).rejects.toThrow(
      /integration keys only/,
    );
  });

  it("reads the presented key in the address limit's counting statement, and authenticates from it as from its own lookup", async () => {
    const active = await store.issue({ id: 'u-cy', displayName: 'Cy', role: 'director' }, null, { actor });
    const revoked = await store.issue({ id: 'u-cy', displayName: 'Cy', role: 'director' }, null, { actor });
    await store.revoke(revoked.prefix, actor);
    const counted = (prefix: string) => countRequestAndFindKey(db, 'address:192.0.2.7', 60_000, prefix);

    const found = await counted(active.prefix);
    expect(found).toMatchObject({
      hits: 1,
      apiKey: { principal: { id: 'u-cy', role: 'director', displayName: 'Cy', kind: 'person', managerId: null } },
    });
    expect(found.apiKey).toEqual(await findActiveApiKey(db, active.prefix));
    // An unknown or revoked key is counted all the same, and found as none.
    expect(await counted('zzzzzzzzzzzz')).toMatchObject({ hits: 2, apiKey: undefined });
    expect(await counted(revoked.prefix)).toMatchObject({ hits: 3, apiKey: undefined });
    // One window with countRequest's: the same counter.
    expect((await countRequest(db, 'address:192.0.2.7', 60_000)).hits).toBe(4);

    // The guard's path: the row read above authenticates the key; the secret is still checked.
    expect(await store.authenticate(active.key, found)).toEqual(await store.authenticate(active.key));
    expect((await store.authenticate(active.key, found))?.id).toBe('u-cy');
    const forged = `rtn_${active.prefix}_${'A'.repeat(43)}`;
    expect(await store.authenticate(forged, found)).toBeUndefined();
    expect(await store.authenticate(revoked.key, await counted(revoked.prefix))).toBeUndefined();
  });

  it('audits a revocation once, and revoking what is not active revokes nothing', async () => {
    const k = await store.issue({ id: 'u-dee', displayName: 'Dee', role: 'csm' });
    expect(await store.revoke(k.prefix, actor)).toBe(1);
    expect(await store.revoke(k.prefix, actor)).toBe(0);
    expect(await store.authenticate(k.key)).toBeUndefined();
    expect(
      (await listAudit(db, { subjectId: 'u-dee', action: 'api_key.revoked', limit: 10 })).map((a) => a.detail.prefix),
    ).toEqual([k.prefix]);
    // Signing secrets likewise: a second revocation, or one of an unknown id, revokes nothing.
    const secrets = new SigningSecretStore(db);
    const s = await secrets.create('int-an');
    expect(await secrets.revoke(s.id)).toBe(1);
    expect(await secrets.revoke(s.id)).toBe(0);
    expect(await secrets.revoke('999999')).toBe(0);
  });

  it("lists every key oldest first with its principal's role, revoked ones with their time (the keys CLI's list)", async () => {
    const issued = await store.issue({ id: 'u-lis', displayName: 'Lis', role: 'director' }, 'laptop');
    await store.revoke(issued.prefix, actor);
    const keys = await store.list();
    expect(keys.map((k) => k.createdAt.getTime())).toEqual(
      [...keys.map((k) => k.createdAt.getTime())].sort((a, b) => a - b),
    );
    expect(keys.filter((k) => k.principalId === 'u-lis')).toEqual([
      {
        keyId: issued.keyId,
        prefix: issued.prefix,
        principalId: 'u-lis',
        role: 'director',
        label: 'laptop',
        createdAt: expect.any(Date),
        revokedAt: expect.any(Date),
      },
    ]);
    // A later role change shows on every key of the principal.
    expect(keys.filter((k) => k.principalId === 'u-ann').map((k) => k.role)).toEqual([
      'csm_manager',
      'csm_manager',
      'csm_manager',
    ]);
    expect(keys.find((k) => k.principalId === 'u-ann')?.revokedAt).toBeNull();
  });

  it('knows which principals exist, and gives signing secrets to integrations only', async () => {
    expect(await principalExists(db, 'u-mgr')).toBe(true);
    expect(await principalExists(db, 'u-nobody')).toBe(false);
    await expect(new SigningSecretStore(db).create('u-mgr')).rejects.toThrow(/not an integration principal/);
    await expect(new SigningSecretStore(db).create('u-nobody')).rejects.toThrow(/not an integration principal/);
    const created = await new SigningSecretStore(db).create('int-crm');
    expect(created.secret).toMatch(/^whsec_/);
    expect(await new SigningSecretStore(db).active('int-crm')).toEqual([created.secret]);
  });

  it('lists the audit log newest first, by filters and by keyset pages', async () => {
    const all = await listAudit(db, { limit: 1000 });
    expect(all.map((a) => a.seq)).toEqual([...all.map((a) => a.seq)].sort((x, y) => y - x));
    const pages: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await listAudit(db, { limit: 3, ...(before !== undefined ? { beforeSeq: before } : {}) });
      pages.push(...page.slice(0, 3).map((a) => a.seq));
      if (page.length <= 3) break;
      before = page[2]!.seq;
    }
    expect(pages).toEqual(all.map((a) => a.seq));
    expect(
      (await listAudit(db, { action: 'api_key.revoked', limit: 100 })).every((a) => a.action === 'api_key.revoked'),
    ).toBe(true);
    expect(await listAudit(db, { actorId: 'nobody', limit: 100 })).toEqual([]);
    expect(await listAudit(db, { from: new Date(Date.now() + 60_000), limit: 100 })).toEqual([]);
  });

  it('keeps the audit log append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    for (const sql of ["UPDATE audit_log SET action = 'x.y'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await expect(db.query(sql)).rejects.toThrow(/append-only/);
    }
    expect((await listAudit(db, { limit: 100 })).length).toBeGreaterThan(0);
  });
});
