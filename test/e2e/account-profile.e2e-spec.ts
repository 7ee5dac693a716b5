import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, localDateAt } from '@retain/domain';
import { accountRiskWorkflowId, getAccountRiskStateQuery } from '@retain/workflows';
import { importRenewals, parseRenewalCsv } from '../../apps/api/src/cli/renewal-import';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;
const DAY = 86_400_000;

/**
 * The account's profile end to end (api, worker, Temporal, PostgreSQL): set at launch, in
 * the CSV import, by PATCH and by the CRM's account_updated, shown by GET /accounts/{id},
 * audited; a sponsor departure marks the sponsor departed; and the vertical reaching the
 * account's early warning. For that last one the deployment policy (RETAIN_POLICY_FILE)
 * puts an education-only seasonal window around today, since the default one (15 June to
 * 31 August) cannot be reached with a real clock: an education account's usage drop is
 * suppressed by it, a technology account's is not. The default window itself is covered
 * in the account workflow's spec, with the test server's clock in June.
 */
describe("the account's profile (api, worker, Temporal, PostgreSQL)", () => {
  let stack: TestStack;
  let dir: string;
  let keys: Record<string, string>;
  let crmKey: string;
  let crmSecret: string;
  let signalsKey: string;
  let signalsSecret: string;
  const today = localDateAt(new Date(), 'UTC');
  const renewalDate = addDays(today, 120);
  const dana = { name: 'Dana Lee', email: 'dana.lee@acme.example', title: 'CFO' };
  const sam = { name: 'Sam Ito' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'retain-profile-'));
    const file = join(dir, 'policy.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 'e2e-education-window.1',
        earlyWarning: {
          overload: {
            seasonal: [
              {
                name: 'education test window',
                from: addDays(today, -2).slice(5),
                to: addDays(today, 2).slice(5),
                groups: ['usage'],
                segments: [],
                verticals: ['education'],
              },
            ],
          },
        },
      }),
    );
    stack = await TestStack.start({ RETAIN_POLICY_FILE: file });
    keys = await stack.people([
      ['director', 'dir-pf'],
      ['csm_manager', 'mgr-pf', 'dir-pf'],
      ['csm', 'csm-pf', 'mgr-pf'],
      ['cs_ops', 'ops-pf'],
    ]);
    crmKey = await stack.keyFor('integration', 'crm-pf', { scopes: ['signals', 'account_facts'] });
    crmSecret = (await new SigningSecretStore(stack.db).create('crm-pf')).secret;
    signalsKey = await stack.keyFor('integration', 'an-pf', { scopes: ['signals'] });
    signalsSecret = (await new SigningSecretStore(stack.db).create('an-pf')).secret;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** An SMB account of csm-pf's; `over` may hold what no valid account has (the bad launches below). */
  const account = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...anAccount(id, { segment: 'smb', arrCents: 500_000, ownerCsmId: 'csm-pf', csmManagerId: 'mgr-pf' }),
    ...over,
  });
  const launch = (body: unknown) => stack.request('POST', '/renewals', { key: keys['ops-pf'], body });
  const profileOf = async (id: string) => {
    const r = await stack.request('GET', `/accounts/${id}`, { key: keys['csm-pf'] });
    expect(r.status).toBe(200);
    const { vertical, executiveSponsor, champion, lifecycleStage } = r.body;
    return { vertical, executiveSponsor, champion, lifecycleStage };
  };
  const fieldsOf = (body: { errors?: Array<{ field: string }> }) =>
    [...new Set((body.errors ?? []).map((e) => e.field))].sort();
  const event = (eventId: string, accountId: string, type: string, payload: unknown, occurredAt = new Date()) => ({
    eventId,
    source: 'crm-pf',
    accountId,
    type,
    occurredAt: occurredAt.toISOString(),
    payload,
  });
  const auditOf = async (accountId: string) => {
    const r = await stack.request('GET', `/audit?action=account.profile_changed&accountId=${accountId}`, {
      key: keys['dir-pf'],
    });
    expect(r.status).toBe(200);
    // Oldest first (the log lists the newest first).
    return (r.body.items as Array<{ seq: number; actorId: string; detail: { before: unknown; after: unknown } }>).sort(
      (a, b) => a.seq - b.seq,
    );
  };

  it('is stated at launch and shown by GET /accounts/{id}; a bad value is a 400 naming the field, and nothing starts', async () => {
    const body = {
      account: account('acc-pf-1', {
        vertical: 'education',
        lifecycleStage: 'adoption',
        executiveSponsor: dana,
        champion: sam,
      }),
      renewalDate,
    };
    expect((await launch(body)).status).toBe(201);
    expect(await profileOf('acc-pf-1')).toEqual({
      vertical: 'education',
      lifecycleStage: 'adoption',
      executiveSponsor: { ...dana, departedAt: null },
      champion: { name: 'Sam Ito', email: null, title: null, departedAt: null },
    });

    for (const [over, fields] of [
      [{ vertical: 'schools' }, ['account.vertical']],
      [{ lifecycleStage: 'teenage' }, ['account.lifecycleStage']],
      [
        { executiveSponsor: { email: 'dana@acme' } },
        ['account.executiveSponsor.email', 'account.executiveSponsor.name'],
      ],
      [{ champion: { name: '  ' } }, ['account.champion.name']],
      [{ champion: { name: 'Sam', phone: '555' } }, ['account.champion.phone']],
      [{ champion: 'Sam Ito' }, ['account.champion']],
    ] as const) {
      const r = await launch({ account: account('acc-pf-bad', over), renewalDate });
      expect([over, r.status, r.headers.get('content-type'), fieldsOf(r.body)]).toEqual([
        over,
        400,
        expect.stringMatching(PROBLEM_JSON),
        fields,
      ]);
    }
    const batch = await stack.request('POST', '/renewals/batch', {
      key: keys['ops-pf'],
      body: {
        items: [
          { account: account('acc-pf-b1', { vertical: 'retail' }), renewalDate },
          { account: account('acc-pf-b2', { vertical: 'retailing' }), renewalDate },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.items.map((i: { status: string; code?: string }) => [i.status, i.code ?? null])).toEqual([
      ['created', null],
      ['rejected', 'VALIDATION.FAILED'],
    ]);
    expect(
      await stack.db.query(
        "SELECT id FROM accounts WHERE id IN ('acc-pf-bad', 'acc-pf-b2') UNION ALL SELECT id FROM renewals WHERE account_id IN ('acc-pf-bad', 'acc-pf-b2')",
      ),
    ).toEqual([]);
    expect((await profileOf('acc-pf-b1')).vertical).toBe('retail');

    // The profile is the account's, not the renewal's: the same launch naming another stage is the same launch, and states it;
    // the launch as first sent (all of its profile) keeps the rest, and one without any profile keeps all of it.
    const again = await launch({ ...body, account: { ...body.account, lifecycleStage: 'renewal' } });
    expect([again.status, again.body.created]).toEqual([200, false]);
    expect((await profileOf('acc-pf-1')).lifecycleStage).toBe('renewal');
    const bare = await launch({ account: account('acc-pf-1'), renewalDate });
    expect([bare.status, bare.body.created]).toEqual([200, false]);
    expect(await profileOf('acc-pf-1')).toMatchObject({ vertical: 'education', lifecycleStage: 'renewal' });
  }, 60_000);

  it('changes by PATCH /accounts/{id} (cs_ops), null clearing a field, each change audited', async () => {
    expect((await launch({ account: account('acc-pf-2'), renewalDate })).status).toBe(201);
    expect(await profileOf('acc-pf-2')).toEqual({
      vertical: null,
      executiveSponsor: null,
      champion: null,
      lifecycleStage: null,
    });
    const patched = await stack.request('PATCH', '/accounts/acc-pf-2', {
      key: keys['ops-pf'],
      body: { vertical: 'technology', executiveSponsor: { ...dana, name: ' Dana Lee ' }, lifecycleStage: 'maturity' },
    });
    expect([patched.status, patched.body.vertical, patched.body.executiveSponsor]).toEqual([
      200,
      'technology',
      { ...dana, departedAt: null },
    ]);
    const cleared = await stack.request('PATCH', '/accounts/acc-pf-2', {
      key: keys['ops-pf'],
      body: { lifecycleStage: null, champion: sam },
    });
    expect(cleared.status).toBe(200);
    expect(await profileOf('acc-pf-2')).toMatchObject({
      vertical: 'technology',
      lifecycleStage: null,
      champion: { name: 'Sam Ito' },
    });
    expect(
      (await stack.request('PATCH', '/accounts/acc-pf-2', { key: keys['csm-pf'], body: { vertical: 'retail' } }))
        .status,
    ).toBe(403);
    const bad = await stack.request('PATCH', '/accounts/acc-pf-2', {
      key: keys['ops-pf'],
      body: { vertical: 'Technology', executiveSponsor: { name: 'X', title: '' } },
    });
    expect([bad.status, bad.headers.get('content-type'), fieldsOf(bad.body)]).toEqual([
      400,
      expect.stringMatching(PROBLEM_JSON),
      ['executiveSponsor.title', 'vertical'],
    ]);
    expect((await profileOf('acc-pf-2')).vertical).toBe('technology');

    const audit = await auditOf('acc-pf-2');
    expect(audit.map((e) => [e.actorId, e.detail.before, e.detail.after])).toEqual([
      [
        'ops-pf',
        { vertical: null, executiveSponsor: null, lifecycleStage: null },
        { vertical: 'technology', executiveSponsor: { ...dana, departedAt: null }, lifecycleStage: 'maturity' },
      ],
      [
        'ops-pf',
        { champion: null, lifecycleStage: 'maturity' },
        { champion: { name: 'Sam Ito', email: null, title: null, departedAt: null }, lifecycleStage: null },
      ],
    ]);
  }, 60_000);

  it('keeps the customer-since date: stated at launch, changed by PATCH and the CRM, a bad date a 400, null clearing it', async () => {
    const customerSince = async () =>
      (await stack.request('GET', '/accounts/acc-pf-cs', { key: keys['csm-pf'] })).body.customerSince;
    const bad = await launch({ account: account('acc-pf-cs', { customerSince: '2023-02-30' }), renewalDate });
    expect([bad.status, fieldsOf(bad.body)]).toEqual([400, ['account.customerSince']]);
    expect((await launch({ account: account('acc-pf-cs', { customerSince: '2023-06-15' }), renewalDate })).status).toBe(
      201,
    );
    expect(await customerSince()).toBe('2023-06-15');
    const patched = await stack.request('PATCH', '/accounts/acc-pf-cs', {
      key: keys['ops-pf'],
      body: { customerSince: '2022-01-01' },
    });
    expect([patched.status, patched.body.customerSince]).toEqual([200, '2022-01-01']);
    const badPatch = await stack.request('PATCH', '/accounts/acc-pf-cs', {
      key: keys['ops-pf'],
      body: { customerSince: '01/01/2022' },
    });
    expect([badPatch.status, fieldsOf(badPatch.body)]).toEqual([400, ['customerSince']]);
    const crm = await stack.postEvent(
      crmKey,
      crmSecret,
      event('pf-cs-1', 'acc-pf-cs', 'account_updated', { customerSince: '2021-03-01' }),
    );
    expect(crm.status).toBe(202);
    await waitUntil(async () => ((await customerSince()) === '2021-03-01' ? true : undefined), 15_000, 'crm');
    expect(
      (await stack.request('PATCH', '/accounts/acc-pf-cs', { key: keys['ops-pf'], body: { customerSince: null } })).body
        .customerSince,
    ).toBeNull();
    expect((await auditOf('acc-pf-cs')).map((e) => [e.detail.before, e.detail.after])).toEqual([
      [{ customerSince: '2023-06-15' }, { customerSince: '2022-01-01' }],
      [{ customerSince: '2022-01-01' }, { customerSince: '2021-03-01' }],
      [{ customerSince: '2021-03-01' }, { customerSince: null }],
    ]);
  }, 60_000);

  it("changes by the CRM's account_updated (account_facts scope) unless the account holds newer facts; a sponsor departure marks the sponsor departed", async () => {
    expect(
      (await launch({ account: account('acc-pf-3', { executiveSponsor: dana, vertical: 'retail' }), renewalDate }))
        .status,
    ).toBe(201);
    const updated = await stack.postEvent(
      crmKey,
      crmSecret,
      event('pf-3-1', 'acc-pf-3', 'account_updated', { vertical: 'healthcare', champion: { name: 'Robin Park' } }),
    );
    expect(updated.status).toBe(202);
    expect(await profileOf('acc-pf-3')).toMatchObject({
      vertical: 'healthcare',
      champion: { name: 'Robin Park', departedAt: null },
    });
    // Older than the facts the account holds now: ignored.
    const late = await stack.postEvent(
      crmKey,
      crmSecret,
      event('pf-3-2', 'acc-pf-3', 'account_updated', { vertical: 'retail' }, new Date(Date.now() - DAY)),
    );
    expect(late.status).toBe(202);
    expect((await profileOf('acc-pf-3')).vertical).toBe('healthcare');
    const unscoped = await stack.postEvent(signalsKey, signalsSecret, {
      ...event('pf-3-3', 'acc-pf-3', 'account_updated', { vertical: 'retail' }),
      source: 'an-pf',
    });
    expect([unscoped.status, unscoped.body.code]).toEqual([403, 'EVENTS.SCOPE_REQUIRED']);
    const invalid = await stack.postEvent(
      crmKey,
      crmSecret,
      event('pf-3-4', 'acc-pf-3', 'account_updated', { lifecycleStage: 'teenage', executiveSponsor: { title: 'CFO' } }),
    );
    expect([invalid.status, fieldsOf(invalid.body)]).toEqual([
      400,
      ['payload.executiveSponsor.name', 'payload.lifecycleStage'],
    ]);

    // Someone else left: the sponsor stays. The sponsor left: marked departed at the event's time, and audited.
    const other = await stack.postEvent(signalsKey, signalsSecret, {
      ...event('pf-3-5', 'acc-pf-3', 'sponsor_departure', { contactName: 'Robin Park', reason: 'departed' }),
      source: 'an-pf',
    });
    expect(other.status).toBe(202);
    expect((await profileOf('acc-pf-3')).executiveSponsor).toEqual({ ...dana, departedAt: null });
    const leftAt = new Date();
    const left = await stack.postEvent(signalsKey, signalsSecret, {
      ...event('pf-3-6', 'acc-pf-3', 'sponsor_departure', { contactName: 'dana lee', reason: 'departed' }, leftAt),
      source: 'an-pf',
    });
    expect(left.status).toBe(202);
    expect((await profileOf('acc-pf-3')).executiveSponsor).toEqual({ ...dana, departedAt: leftAt.toISOString() });
    expect((await auditOf('acc-pf-3')).map((e) => [e.actorId, e.detail.after])).toEqual([
      [
        'crm-pf',
        { vertical: 'healthcare', champion: { name: 'Robin Park', email: null, title: null, departedAt: null } },
      ],
      ['an-pf', { executiveSponsor: { ...dana, departedAt: leftAt.toISOString() } }],
    ]);
    // The departure is still the P0 it always was (lowered one level for the account's $5K ARR).
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-pf-3',
      keys['csm-pf']!,
      (b) => b.items.some((a: { ruleId: string }) => a.ruleId === 'sponsor_departure'),
      'the sponsor departure alert',
    );
    expect(alerts.items.find((a: { ruleId: string }) => a.ruleId === 'sponsor_departure')).toMatchObject({
      baseSeverity: 'P0',
      severity: 'P1',
    });
  }, 60_000);

  it('is read from the CSV import, its bad values rejected by row', async () => {
    const csv = [
      'account_id,account_name,arr_cents,segment,time_zone,owner_csm_id,renewal_date,vertical,lifecycle_stage,executive_sponsor_name,executive_sponsor_email,champion_name',
      `acc-pf-csv-1,Csv One,900000,smb,UTC,csm-pf,${renewalDate},public_sector,onboarding,Dana Lee,dana.lee@acme.example,`,
      `acc-pf-csv-2,Csv Two,900000,smb,UTC,csm-pf,${renewalDate},schools,,,,`,
      `acc-pf-csv-3,Csv Three,900000,smb,UTC,csm-pf,${renewalDate},,,,sam@acme.example,`,
    ].join('\n');
    const summary = await importRenewals(parseRenewalCsv(csv), { baseUrl: stack.baseUrl, apiKey: keys['ops-pf']! });
    expect(summary.launched).toBe(1);
    expect(summary.rejected.map((r) => [r.row, r.reason.split(' ')[0]])).toEqual([
      [3, 'account.vertical'],
      [4, 'account.executiveSponsor.name'],
    ]);
    expect(await profileOf('acc-pf-csv-1')).toEqual({
      vertical: 'public_sector',
      lifecycleStage: 'onboarding',
      executiveSponsor: { name: 'Dana Lee', email: 'dana.lee@acme.example', title: null, departedAt: null },
      champion: null,
    });
  }, 60_000);

  it("reaches the account's early warning: a seasonal window of education accounts suppresses an education account's usage drop, not a technology account's", async () => {
    for (const [id, vertical] of [
      ['acc-pf-school', 'education'],
      ['acc-pf-tech', 'technology'],
    ] as const)
      expect((await launch({ account: account(id, { vertical }), renewalDate })).status).toBe(201);
    // 60 days at 200 active users, then 16 days at 140 (down 30%; the SMB threshold is 25%).
    const dropStart = Date.now() - 16 * DAY;
    const snapshots = (accountId: string) =>
      Array.from({ length: 77 }, (_, i) =>
        event(
          `pf-u-${accountId}-${i}`,
          accountId,
          'usage_snapshot',
          { activeUsers: i < 60 ? 200 : 140 },
          new Date(dropStart + (i - 60) * DAY),
        ),
      );
    for (const id of ['acc-pf-school', 'acc-pf-tech']) {
      const r = await stack.postEvent(signalsKey, signalsSecret, {
        events: snapshots(id).map((e) => ({ ...e, source: 'an-pf' })),
      });
      expect(r.body).toMatchObject({ accepted: 77, rejected: 0 });
    }
    const tech = await stack.readWhen(
      '/alerts?accountId=acc-pf-tech',
      keys['csm-pf']!,
      (b) => b.items.some((a: { ruleId: string }) => a.ruleId === 'usage_drop'),
      "the technology account's usage alert",
      // 154 signals through the relay: seconds on the dev server, longer on a real
      // Temporal server on PostgreSQL (npm run test:cluster) when the machine is busy.
      45_000,
    );
    expect(tech.items.find((a: { ruleId: string }) => a.ruleId === 'usage_drop').measure.value).toBe(30);
    const school = await waitUntil(
      async () => {
        const s = await stack.temporal.client.workflow
          .getHandle(accountRiskWorkflowId('acc-pf-school'))
          .query(getAccountRiskStateQuery)
          .catch(() => undefined);
        const decided = s && (s.suppressedCount > 0 || s.alerts.some((x) => x.group === 'usage'));
        return s && s.eventsApplied === 77 && decided ? s : undefined;
      },
      45_000,
      "the education account's 77 snapshots applied and its usage drop suppressed or raised",
    );
    expect(school.suppressedCount).toBeGreaterThanOrEqual(1);
    expect(school.alerts.filter((a) => a.group === 'usage')).toEqual([]);
    const listed = await stack.request('GET', '/alerts?accountId=acc-pf-school', { key: keys['csm-pf'] });
    expect(listed.body.items).toEqual([]);
  }, 120_000);

  it('is declared in the OpenAPI document: in the launch and PATCH bodies (contacts closed like every body) and the account view', async () => {
    const schemas = (await stack.request('GET', '/docs-json')).body.components.schemas;
    for (const body of ['RenewalAccountDto', 'PatchAccountDto']) {
      const p = schemas[body].properties;
      expect([body, p.vertical.enum, p.lifecycleStage.enum, p.executiveSponsor.allOf, p.champion.nullable]).toEqual([
        body,
        [
          'education',
          'healthcare',
          'financial_services',
          'retail',
          'public_sector',
          'technology',
          'manufacturing',
          'other',
        ],
        ['onboarding', 'adoption', 'maturity', 'renewal'],
        [{ $ref: '#/components/schemas/AccountContactDto' }],
        true,
      ]);
    }
    expect(schemas.AccountContactDto).toMatchObject({ required: ['name'], additionalProperties: false });
    expect(schemas.AccountView.required).toEqual(
      expect.arrayContaining(['vertical', 'executiveSponsor', 'champion', 'lifecycleStage']),
    );
    expect(schemas.AccountContactView.required).toEqual(['name', 'email', 'title', 'departedAt']);
  });
});
