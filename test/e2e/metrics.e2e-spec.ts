import { parse } from 'csv-parse/sync';
import { addDays, localDateAt } from '@retain/domain';
import { healthInputSignal } from '@retain/workflows';
import { anAccount, aSaveStart } from '../support/factories';
import { TestStack } from '../support/stack';

/**
 * The save and renewal metrics end to end, through the workflows that record the outcomes
 * (docs/metrics.md): renewals launched and decided over REST, a save the renewal starts
 * when it turns red, saves started through REST and closed by a person or by the
 * renewal's decision, and the figures of GET /metrics/saves and GET /metrics/renewals,
 * computed by hand below, as a director, a manager and a CSM see them, in JSON and CSV.
 *
 *   acc-m1 csm-x1 / mgr-x  $100K  D+60  red -> save S1 (6 h, a 1.5 h call; saved in full)  renewed; next term D+425 renewed
 *   acc-m2 csm-x2 / mgr-x  $200K  D+70  save S2                                 downsized to $150K (S2 saved, reduced scope)
 *   acc-m3 csm-y1 / mgr-y  $200K  D+80  save S3 (2.5 h; lost)                   churned
 *   acc-m4 csm-x1 / mgr-x   $60K  D+85                                  expanded to $90K
 *   acc-m5 csm-x2 / mgr-x   $40K  D+100                                 paused
 *   acc-m6 csm-y1 / mgr-y   $30K  D+110 (not classified yet)            undecided
 */
describe('metrics end to end: saves and renewals as their workflows record them', () => {
  let stack: TestStack;
  const keys: Record<string, string> = {};
  const today = localDateAt(new Date(), 'UTC');
  // Saves start today; renewals are due from D+60 to D+110; the next term of acc-m1 (D+425) is after the period.
  const period = `from=${addDays(today, -1)}&to=${addDays(today, 200)}`;
  const e = encodeURIComponent;
  const people: Record<string, [string, string, 'enterprise' | 'mid_market' | 'smb', number, number]> = {
    'acc-m1': ['csm-x1', 'mgr-x', 'enterprise', 10_000_000, 60],
    'acc-m2': ['csm-x2', 'mgr-x', 'smb', 20_000_000, 70],
    'acc-m3': ['csm-y1', 'mgr-y', 'smb', 20_000_000, 80],
    'acc-m4': ['csm-x1', 'mgr-x', 'enterprise', 6_000_000, 85],
    'acc-m5': ['csm-x2', 'mgr-x', 'mid_market', 4_000_000, 100],
    'acc-m6': ['csm-y1', 'mgr-y', 'enterprise', 3_000_000, 110],
  };
  const facts = (account: string) => {
    const [ownerCsmId, csmManagerId, segment, arrCents] = people[account]!;
    return anAccount(account, { ownerCsmId, csmManagerId, segment, arrCents });
  };
  const dateOf = (account: string) => addDays(today, people[account]![4]);
  const renewalPath = (account: string, date = dateOf(account)) => `/renewals/${e(`renewal:${account}:${date}`)}`;
  const savePath = (account: string) => `/saves/${e(`save:${account}:${dateOf(account)}`)}`;
  const must = async (what: string, r: Promise<{ status: number; body: any }>) => {
    const res = await r;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const launch = (account: string, date = dateOf(account)) =>
    must(
      `launch ${account}`,
      stack.request('POST', '/renewals', { key: keys['ops-x'], body: { account: facts(account), renewalDate: date } }),
    );
  /** Decides once the renewal's read model has it (a launch answers before its first write). */
  const decide = async (account: string, body: Record<string, unknown>, date = dateOf(account)) => {
    await stack.readWhen(
      renewalPath(account, date),
      keys['dir-x']!,
      (r) => r.status !== 'starting',
      `the renewal of ${account}`,
      30_000,
    );
    return must(
      `decide ${account}`,
      stack.request('POST', `${renewalPath(account, date)}/decision`, { key: keys['dir-x'], body }),
    );
  };
  const saveWhen = (account: string, until: (s: any) => boolean, what: string) =>
    stack.readWhen(savePath(account), keys['dir-x']!, until, `${account}: ${what}`, 30_000);
  const f = (numerator: number, denominator: number) => ({
    value: denominator === 0 ? null : numerator / denominator,
    numerator,
    denominator,
  });
  const n = (value: number) => ({ value, numerator: value, denominator: 1 });

  beforeAll(async () => {
    stack = await TestStack.start();
    Object.assign(
      keys,
      await stack.people([
        ['director', 'dir-x'],
        ['csm_manager', 'mgr-x', 'dir-x'],
        ['csm_manager', 'mgr-y', 'dir-x'],
        ['csm', 'csm-x1', 'mgr-x'],
        ['csm', 'csm-x2', 'mgr-x'],
        ['csm', 'csm-y1', 'mgr-y'],
        ['sales_rep', 'ae-x'],
        ['product', 'pm-x'],
        ['cs_ops', 'ops-x'],
      ]),
    );
    for (const account of Object.keys(people)) await launch(account);

    // acc-m1 turns red: the renewal starts its save; the CSM saves it in full; the customer renews, and renews the next term.
    await stack.temporal.client.workflow
      .getHandle(`renewal:acc-m1:${dateOf('acc-m1')}`)
      .signal(healthInputSignal, { eventId: 'metrics-red-1', source: 'crm', inputs: { competitiveSignal: true } });
    const s1 = await saveWhen('acc-m1', (s) => s.status === 'active', 'started by the renewal');
    expect(s1.triage.allocation.effort).not.toBe('none');
    // 6 hours logged, and a call of 1.5 hours: 7.5 hours on S1.
    await must(
      'S1 effort',
      stack.request('POST', `${savePath('acc-m1')}/effort`, {
        key: keys['csm-x1'],
        body: { hours: 6, activity: 'analysis' },
      }),
    );
    await must(
      'S1 call',
      stack.request('POST', `${savePath('acc-m1')}/conversations`, {
        key: keys['csm-x1'],
        body: { stage: 'listen', result: 'Heard them out', effortHours: 1.5 },
      }),
    );
    await must(
      'S1 saved',
      stack.request('POST', `${savePath('acc-m1')}/outcome`, {
        key: keys['csm-x1'],
        body: { result: 'saved', kind: 'full' },
      }),
    );
    await saveWhen('acc-m1', (s) => s.status === 'saved', 'saved');
    await decide('acc-m1', { outcome: 'renewed' });
    const nextTerm = addDays(dateOf('acc-m1'), 365);
    await launch('acc-m1', nextTerm);
    await decide('acc-m1', { outcome: 'renewed' }, nextTerm);

    // acc-m2: a save through REST, closed by the renewal's decision (downsized: saved with a reduced scope at $150K).
    await must(
      'S2',
      stack.request('POST', '/saves', { key: keys['ops-x'], body: aSaveStart('acc-m2', dateOf('acc-m2')) }),
    );
    const s2 = await saveWhen('acc-m2', (s) => s.status === 'active', 'started');
    expect(s2.triage.allocation.effort).not.toBe('none');
    await decide('acc-m2', { outcome: 'downsized', newArrCents: 15_000_000 });
    const s2Saved = await saveWhen('acc-m2', (s) => s.status === 'saved', 'closed by the decision');
    expect(s2Saved.outcome).toMatchObject({ result: 'saved', kind: 'reduced_scope', newArrCents: 15_000_000 });

    // acc-m3: a save lost, then the churn.
    await must(
      'S3',
      stack.request('POST', '/saves', { key: keys['ops-x'], body: aSaveStart('acc-m3', dateOf('acc-m3')) }),
    );
    const s3 = await saveWhen('acc-m3', (s) => s.status === 'active', 'started');
    expect(s3.triage.allocation.effort).not.toBe('none');
    await must(
      'S3 effort',
      stack.request('POST', `${savePath('acc-m3')}/effort`, {
        key: keys['csm-y1'],
        body: { hours: 2.5, activity: 'customer_call' },
      }),
    );
    await must(
      'S3 lost',
      stack.request('POST', `${savePath('acc-m3')}/outcome`, {
        key: keys['csm-y1'],
        body: { result: 'lost', kind: 'lost', reason: 'Budget gone' },
      }),
    );
    await saveWhen('acc-m3', (s) => s.status === 'lost', 'lost');
    await decide('acc-m3', { outcome: 'churned', reason: 'Budget gone' });

    await decide('acc-m4', { outcome: 'expanded', newArrCents: 9_000_000 });
    await decide('acc-m5', { outcome: 'paused' });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** The renewal metrics once the read model has every decision the reader should count. */
  const renewalsWhen = (query: string, key: string, decided: number) =>
    stack.readWhen(
      `/metrics/renewals?${query}`,
      key,
      (b) => b.total.decided.numerator === decided,
      `${decided} decided renewals`,
      30_000,
    );

  it('answers the renewal metrics of the period as a director: rates, ARR movements, mix, months and forecast', async () => {
    const body = await renewalsWhen(period, keys['dir-x']!, 5);
    expect(body).toMatchObject({
      from: addDays(today, -1),
      to: addDays(today, 200),
      groupBy: [],
      filters: { segment: null, csmId: null, teamId: null, policyVersion: null },
      policyVersion: stack.config.policy.version,
      // every account, no CSM or team: folded from the renewal rollups the row trigger keeps
      source: 'rollups',
    });
    expect(body.total).toMatchObject({
      // acc-m1 .. acc-m6 due in the period; the next term of acc-m1 (D+425) after it
      renewals: n(6),
      decided: f(5, 6),
      // m1 renewed, m2 downsized, m4 expanded, m5 paused kept; m3 churned
      logoRenewalRate: f(4, 5),
      logoChurn: f(1, 5),
      // 10 + 20 + 20 + 6 + 4 = 60,000,000
      startingArrCents: n(60_000_000),
      // m4 9 - 6 = 3,000,000; m2 20 - 15 = 5,000,000; m3 20,000,000
      expansionArrCents: n(3_000_000),
      downsellArrCents: n(5_000_000),
      churnedArrCents: n(20_000_000),
      // (60 - 20 - 5) / 60
      grr: f(35_000_000, 60_000_000),
      // (60 + 3 - 20 - 5) / 60
      nrr: f(38_000_000, 60_000_000),
      // (20 + 5) / 60
      revenueChurn: f(25_000_000, 60_000_000),
      targets: { grr: { target: 0.95, met: false }, nrr: { target: 1.1, met: false } },
    });
    expect(
      body.total.decisionMix.map((m: any) => [m.outcome, m.count.numerator, m.arrCents, m.decidedArrCents]),
    ).toEqual([
      ['renewed', 1, 10_000_000, 10_000_000],
      ['expanded', 1, 6_000_000, 9_000_000],
      ['downsized', 1, 20_000_000, 15_000_000],
      // a pause keeps its starting ARR
      ['paused', 1, 4_000_000, 4_000_000],
      ['churned', 1, 20_000_000, 0],
    ]);
    const due = body.total.dueByMonth.reduce(
      (sum: { renewals: number; arrCents: number; undecided: number }, m: any) => ({
        renewals: sum.renewals + m.renewals,
        arrCents: sum.arrCents + m.arrCents,
        undecided: sum.undecided + m.undecidedArrCents,
      }),
      { renewals: 0, arrCents: 0, undecided: 0 },
    );
    // 60,000,000 decided + acc-m6's 3,000,000 undecided
    expect(due).toEqual({ renewals: 6, arrCents: 63_000_000, undecided: 3_000_000 });
    // Upcoming from today to the period's end: acc-m6 alone, not classified yet: 3,000,000 x 0.8 (the policy; no history of 20).
    const forecast = body.total.forecast;
    expect([forecast.from, forecast.to, forecast.renewals, forecast.arrCents, forecast.expectedArrCents]).toEqual([
      today,
      addDays(today, 200),
      1,
      3_000_000,
      2_400_000,
    ]);
    expect(forecast.categories.find((c: any) => c.category === 'unclassified')).toMatchObject({
      renewals: 1,
      probability: 0.8,
      probabilitySource: 'policy',
    });
    // Every decision was made today: six in the history (acc-m1's two, m2 .. m5), each category below 20.
    expect(forecast.categories.reduce((sum: number, c: any) => sum + c.sampleSize, 0)).toBe(6);
  });

  it('scopes the renewal metrics: a CSM his book, a manager his team; a sales rep and product are refused', async () => {
    // csm-x1: m1 renewed (10), m4 expanded (6 -> 9): GRR 16 / 16, NRR 19 / 16
    const csm = await renewalsWhen(period, keys['csm-x1']!, 2);
    // a CSM's book is no rollup key: folded from the rows
    expect([csm.source, csm.total.renewals, csm.total.grr, csm.total.nrr]).toEqual([
      'rows',
      n(2),
      f(16_000_000, 16_000_000),
      f(19_000_000, 16_000_000),
    ]);
    // mgr-x: m1, m2, m4, m5: 10 + 20 + 6 + 4 = 40; downsell 5, expansion 3
    const manager = await renewalsWhen(period, keys['mgr-x']!, 4);
    expect([manager.total.grr, manager.total.nrr, manager.total.forecast.renewals]).toEqual([
      f(35_000_000, 40_000_000),
      f(38_000_000, 40_000_000),
      0,
    ]);
    // A filter narrows within the scope, never beyond it: csm-x1 asking for mgr-y's team sees nothing.
    const beyond = await stack.request('GET', `/metrics/renewals?${period}&teamId=mgr-y`, { key: keys['csm-x1'] });
    expect([beyond.status, beyond.body.total.renewals]).toEqual([200, n(0)]);
    for (const who of ['ae-x', 'pm-x']) {
      const refused = await stack.request('GET', `/metrics/renewals?${period}`, { key: keys[who] });
      expect([who, refused.status, refused.body.code]).toEqual([who, 403, 'AUTH.FORBIDDEN']);
    }
  });

  it('groups the renewal metrics by CSM, and answers the same numbers as CSV', async () => {
    const body = await renewalsWhen(`${period}&groupBy=csm`, keys['dir-x']!, 5);
    const byCsm = body.groups.map((g: any) => [g.key.csm, g.renewals.value, g.grr, g.forecast.expectedArrCents]);
    expect(byCsm).toEqual([
      // m1 (10, renewed), m4 (6, expanded)
      ['csm-x1', 2, f(16_000_000, 16_000_000), 0],
      // m2 (20 -> 15), m5 (4, paused): (24 - 5) / 24
      ['csm-x2', 2, f(19_000_000, 24_000_000), 0],
      // m3 (20, churned), m6 undecided: 0 / 20; m6's 3,000,000 x 0.8 expected
      ['csm-y1', 2, f(0, 20_000_000), 2_400_000],
    ]);
    const csv = await stack.request('GET', `/metrics/renewals?${period}&groupBy=csm`, {
      key: keys['dir-x'],
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows: Array<Record<string, string>> = parse(csv.body as string, { columns: true });
    expect(Object.keys(rows[0]!).slice(0, 4)).toEqual([
      'csm',
      'renewals.value',
      'renewals.numerator',
      'renewals.denominator',
    ]);
    expect(
      rows.map((r) => [
        r.csm,
        Number(r['renewals.value']),
        Number(r['grr.numerator']),
        Number(r['grr.denominator']),
        Number(r['forecast.expectedArrCents']),
      ]),
    ).toEqual(
      byCsm.map(([csm, renewals, grr, expected]: any) => [csm, renewals, grr.numerator, grr.denominator, expected]),
    );
    expect(rows.map((r) => r['decisionMix.churned.count.numerator'])).toEqual(['0', '0', '1']);
  });

  /** The save metrics once the read model has `decided` saves with outcomes and the retention's next renewal. */
  const savesWhen = (query: string, key: string, decided: number, nextDecided: number) =>
    stack.readWhen(
      `/metrics/saves?${query}`,
      key,
      (b) => b.total.successRate.denominator === decided && b.total.postSaveRetention.denominator === nextDecided,
      `${decided} decided saves`,
      30_000,
    );

  it('answers the save metrics as a director: attempt and success rates, revenue kept, retention, time to save', async () => {
    const body = await savesWhen(period, keys['dir-x']!, 3, 1);
    expect(body.total).toMatchObject({
      saves: n(3),
      // at risk: m1 (red), m2 and m3 (a save each), all three at a serious effort
      attemptRate: f(3, 3),
      // S1 saved in full, S2 saved with a reduced scope, S3 lost
      successRate: f(2, 3),
      savedFull: f(1, 3),
      savedPartial: f(1, 3),
      lost: f(1, 3),
      successBand: 'above_solid',
      // S1 keeps its 10,000,000, S2 the 15,000,000 of its reduced scope
      revenueSavedCents: n(25_000_000),
      // S1 7.5 h + S3 2.5 h = 10 h, at $75: 10 x 7,500 = 75,000
      effortHours: n(10),
      effortCostCents: n(75_000),
      // (25,000,000 - 75,000) / 75,000 = 332.33; 25,000,000 / 75,000 = 333.33
      roi: f(24_925_000, 75_000),
      savedToCost: f(25_000_000, 75_000),
      // S1's next renewal (the next term) renewed; S2's account has no next renewal yet
      postSaveRetention: f(1, 1),
    });
    // Both saved within this test: a fraction of a day each, 0 whole days (rounded down), median 0 over 2.
    expect(body.total.timeToSaveDays).toEqual({ value: 0, numerator: 0, denominator: 2 });
    // A director reading every account, grouped by nothing a rollup lacks: folded from the rollups.
    expect(body.source).toBe('rollups');
  });

  it('groups the save metrics by outcome kind and team, scopes them, and refuses bad queries', async () => {
    const byKind = await savesWhen(`${period}&groupBy=outcomeKind`, keys['dir-x']!, 3, 1);
    expect(byKind.groups.map((g: any) => [g.key.outcomeKind, g.saves.value, g.revenueSavedCents.value])).toEqual([
      ['full', 1, 10_000_000],
      ['lost', 1, 0],
      ['reduced_scope', 1, 15_000_000],
    ]);
    expect(byKind.source).toBe('rollups');
    const byTeam = await savesWhen(`${period}&groupBy=team`, keys['dir-x']!, 3, 1);
    // The team is no rollup key: read from the rows.
    expect(byTeam.source).toBe('rows');
    expect(byTeam.groups.map((g: any) => [g.key.team, g.saves.value, g.successRate])).toEqual([
      ['mgr-x', 2, f(2, 2)],
      ['mgr-y', 1, f(0, 1)],
    ]);
    // mgr-x: S1, S2; csm-y1: S3
    const manager = await savesWhen(period, keys['mgr-x']!, 2, 1);
    expect([manager.total.saves, manager.total.successRate, manager.source]).toEqual([n(2), f(2, 2), 'rows']);
    const csm = await savesWhen(period, keys['csm-y1']!, 1, 0);
    expect([csm.total.saves, csm.total.lost, csm.total.successBand]).toEqual([n(1), f(1, 1), 'below_solid']);
    const csv = await stack.request('GET', `/metrics/saves?${period}&groupBy=team`, {
      key: keys['dir-x'],
      headers: { accept: 'text/csv' },
    });
    const rows: Array<Record<string, string>> = parse(csv.body as string, { columns: true });
    expect(
      rows.map((r) => [
        r.team,
        r['saves.value'],
        r['successRate.numerator'],
        r['successRate.denominator'],
        r.successBand,
      ]),
    ).toEqual([
      ['mgr-x', '2', '2', '2', 'too_high'],
      ['mgr-y', '1', '0', '1', 'below_solid'],
    ]);
    for (const [query, field] of [
      ['groupBy=colour', 'groupBy'],
      ['groupBy=csm,csm', 'groupBy'],
      [`from=${today}&to=${addDays(today, -1)}`, 'to'],
      ['from=2020-01-01&to=2026-01-01', 'to'],
      ['from=yesterday', 'from'],
      ['segment=huge', 'segment'],
      ['shoeSize=9', 'shoeSize'],
    ] as const) {
      const res = await stack.request('GET', `/metrics/saves?${query}`, { key: keys['dir-x'] });
      expect([query, res.status, res.headers.get('content-type'), res.body.errors?.[0]?.field]).toEqual([
        query,
        400,
        expect.stringMatching(/^application\/problem\+json/),
        field,
      ]);
    }
    expect((await stack.request('GET', '/metrics/saves', { key: keys['ae-x'] })).status).toBe(403);
  });

  it('declares both routes in the OpenAPI document with JSON and CSV answers', async () => {
    const docs = await stack.request('GET', '/docs-json');
    for (const path of ['/metrics/saves', '/metrics/renewals']) {
      const ok = docs.body.paths[path].get.responses['200'].content;
      expect([path, Object.keys(ok).sort()]).toEqual([path, ['application/json', 'text/csv']]);
    }
  });
});
