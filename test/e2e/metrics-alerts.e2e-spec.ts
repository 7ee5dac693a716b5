import { addDays, addMonths, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * GET /metrics/alerts and GET /metrics/programme over outcomes the real workflows
 * produce: signed events raise alerts (a sponsor departure, P0) and turn the renewals
 * red, which start their saves; the CSM acknowledges one alert through the alerts api and
 * records one renewal as churned, which loses its save. The expected figures are computed
 * by hand from the times the workflows recorded (docs/metrics.md, "Alert metrics",
 * "Programme metrics").
 */
describe('metrics of alerts and of the programme, end to end', () => {
  let stack: TestStack;
  let keys: Record<string, string>;
  let integrationKey: string;
  let secret: string;
  const today = localDateAt(new Date(), 'UTC');
  // 120 days out: no severity modifier for the date, and no save asked for by the alert itself (§5.4).
  const renewalDate = addDays(today, 120);
  const renewalId = (account: string) => `renewal:${account}:${renewalDate}`;

  beforeAll(async () => {
    stack = await TestStack.start();
    keys = await stack.people([
      ['director', 'dir-ma'],
      ['csm_manager', 'mgr-ma', 'dir-ma'],
      ['csm_manager', 'mgr-mb', 'dir-ma'],
      ['csm', 'csm-ma1', 'mgr-ma'],
      ['csm', 'csm-mb1', 'mgr-mb'],
      ['sales_rep', 'ae-ma'],
      ['cs_ops', 'ops-ma'],
    ]);
    integrationKey = await stack.keyFor('integration', 'int-ma');
    secret = (await new SigningSecretStore(stack.db).create('int-ma')).secret;
    for (const [id, csm, manager, over] of [
      ['acc-ma-1', 'csm-ma1', 'mgr-ma', { customerSince: '2023-06-15' }],
      ['acc-ma-2', 'csm-ma1', 'mgr-ma', {}],
      ['acc-mb-1', 'csm-mb1', 'mgr-mb', {}],
    ] as const) {
      const body = { account: { ...anAccount(id, { ownerCsmId: csm, csmManagerId: manager }), ...over }, renewalDate };
      const launched = await stack.request('POST', '/renewals', { key: keys['ops-ma'], body });
      expect(launched.status).toBe(201);
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>('SELECT 1 FROM renewals WHERE id = $1', [renewalId(id)])).length > 0 ||
          undefined,
        20_000,
        `renewal of ${id}`,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const post = async (eventId: string, accountId: string, type: string, payload: unknown) => {
    const res = await stack.postEvent(integrationKey, secret, {
      eventId,
      source: 'int-ma',
      accountId,
      type,
      occurredAt: new Date().toISOString(),
      payload,
    });
    expect(res.status).toBeLessThan(300);
  };
  const query = <T>(sql: string, params: unknown[]) => stack.db.query<T[]>(sql, params);
  const historyOf = async (account: string) =>
    (
      await query<{ h: Array<{ at: string; category: string }> }>(
        'SELECT classification_history AS h FROM renewals WHERE id = $1',
        [renewalId(account)],
      )
    )[0]?.h ?? [];
  const alertOf = async (account: string) =>
    (
      await query<{ id: string; data: { triggeredAt: string; acknowledgedAt: string | null } }>(
        'SELECT id, data FROM alerts WHERE account_id = $1',
        [account],
      )
    )[0];
  const saveOf = async (account: string) =>
    (
      await query<{ status: string; started_at: Date; state: { outcome: { decidedAt: string } | null } }>(
        'SELECT status, started_at, state FROM save_efforts WHERE renewal_id = $1',
        [renewalId(account)],
      )
    )[0];
  const fig = (value: number | null, numerator: number, denominator: number) => ({ value, numerator, denominator });
  const close = (value: number, denominator: number) => ({
    value: expect.closeTo(value, 9),
    numerator: expect.closeTo(value, 9),
    denominator,
  });

  it('counts what the workflows recorded, as computed by hand', async () => {
    // A good health score classifies acc-ma-1 green.
    await post('ma-hs-1', 'acc-ma-1', 'health_score', { score: 85 });
    await waitUntil(async () => ((await historyOf('acc-ma-1')).length > 0 ? true : undefined), 20_000, 'green');
    // Sponsor departures: a P0 alert on each account, and a stakeholder change that makes each renewal red and starts its save.
    for (const account of ['acc-ma-1', 'acc-ma-2', 'acc-mb-1'])
      await post(`ma-sd-${account}`, account, 'sponsor_departure', { reason: 'departed' });
    for (const account of ['acc-ma-1', 'acc-ma-2', 'acc-mb-1']) {
      await waitUntil(async () => ((await alertOf(account)) ? true : undefined), 20_000, `alert of ${account}`);
      await waitUntil(async () => ((await saveOf(account)) ? true : undefined), 30_000, `save of ${account}`);
    }
    // The renewals' read models have turned red (each row is written on its own).
    const categories = async (account: string) => (await historyOf(account)).map((c) => c.category).join(',');
    await waitUntil(async () => ((await categories('acc-ma-1')).endsWith('red') ? true : undefined), 20_000, 'red 1');
    await waitUntil(async () => ((await categories('acc-ma-2')) ? true : undefined), 20_000, 'red 2');
    expect(await categories('acc-ma-1')).toBe('green,red');
    expect(await categories('acc-ma-2')).toBe('red');
    await waitUntil(
      async () =>
        (await query('SELECT 1 FROM account_health_observations WHERE account_id = $1', ['acc-ma-1'])).length > 0 ||
        undefined,
      20_000,
      'health reading',
    );

    // The CSM acknowledges acc-ma-1's alert, then records its renewal as churned (which loses its save).
    const alert1 = (await alertOf('acc-ma-1'))!;
    const ack = await stack.request('POST', `/alerts/${encodeURIComponent(alert1.id)}/acknowledge`, {
      key: keys['csm-ma1'],
      body: {},
    });
    expect(ack.status).toBe(200);
    await waitUntil(
      async () => ((await alertOf('acc-ma-1'))?.data.acknowledgedAt ? true : undefined),
      20_000,
      'acknowledged',
    );
    const decided = await stack.request('POST', `/renewals/${encodeURIComponent(renewalId('acc-ma-1'))}/decision`, {
      key: keys['csm-ma1'],
      body: { outcome: 'churned', reason: 'Our sponsor left and nobody else uses it' },
    });
    expect(decided.status).toBeLessThan(300);
    await waitUntil(async () => ((await saveOf('acc-ma-1'))?.status === 'lost' ? true : undefined), 30_000, 'lost');
    // The renewal's read model has the decision (the save's has its loss above).
    const decidedAt = Date.parse(
      await waitUntil(
        async () =>
          (
            await query<{ at: string | null }>(`SELECT decision->>'decidedAt' AS at FROM renewals WHERE id = $1`, [
              renewalId('acc-ma-1'),
            ])
          )[0]?.at ?? undefined,
        20_000,
        'decision',
      ),
    );

    // What the workflows recorded.
    const a1 = (await alertOf('acc-ma-1'))!.data;
    const a2 = (await alertOf('acc-ma-2'))!.data;
    const [green1, red1] = (await historyOf('acc-ma-1')).map((c) => Date.parse(c.at));
    const red2 = Date.parse((await historyOf('acc-ma-2'))[0]!.at);
    const save1 = (await saveOf('acc-ma-1'))!;
    const save2 = (await saveOf('acc-ma-2'))!;
    const t1 = Date.parse(a1.triggeredAt);
    const t2 = Date.parse(a2.triggeredAt);
    const acked1 = Date.parse(a1.acknowledgedAt!);

    // Alerts, as csm-ma1 sees them: his two accounts, grouped by rule and severity by default.
    const alerts = await stack.request('GET', '/metrics/alerts', { key: keys['csm-ma1'] });
    expect(alerts.status).toBe(200);
    const alertFigures = {
      alerts: fig(2, 2, 1),
      acknowledged: fig(1 / 2, 1, 2),
      // in whole hours, rounded down
      medianHoursToAcknowledge: fig(Math.floor((acked1 - t1) / HOUR), Math.floor((acked1 - t1) / HOUR), 1),
      // P0: 4 hours to answer, not yet past for the open one, and nothing escalated
      slaBreaches: fig(0, 0, 2),
      // acc-ma-1 churned after its alert, acc-ma-2 has a save running: both real risk
      precision: fig(1, 2, 2),
      precisionTarget: { from: 0.7, to: 0.8, band: 'above' },
      pendingOutcome: fig(0, 0, 1),
      // acc-ma-1's churn was warned only moments ahead, not 30 days
      recall: fig(0, 0, 1),
      // in whole days, rounded down
      medianLeadDays: fig(Math.floor((decidedAt - t1) / DAY), Math.floor((decidedAt - t1) / DAY), 1),
    };
    expect(alerts.body).toMatchObject({
      // the default period: the 12 months up to today
      from: addDays(addMonths(today, -12), 1),
      to: today,
      groupBy: ['ruleId', 'severity'],
      filters: { segment: null, csmId: null, teamId: null, policyVersion: null },
      policyVersion: expect.any(String),
    });
    expect(alerts.body.total).toEqual(alertFigures);
    expect(alerts.body.groups).toEqual([{ key: { ruleId: 'sponsor_departure', severity: 'P0' }, ...alertFigures }]);

    // The programme, as csm-ma1 sees it.
    const programme = await stack.request('GET', '/metrics/programme', { key: keys['csm-ma1'] });
    expect(programme.status).toBe(200);
    // First warnings: the earlier of the alert and the red; first interventions: the save's start or the acknowledgement.
    const acted1 = (Math.min(save1.started_at.getTime(), acked1) - Math.min(t1, red1!)) / DAY;
    const acted2 = (save2.started_at.getTime() - Math.min(t2, red2)) / DAY;
    const since = new Date(decidedAt).toISOString().slice(0, 10);
    const [y, m, d] = since.split('-').map(Number) as [number, number, number];
    // Completed months from 2023-06-15 to the churn's date.
    const tenure = (y - 2023) * 12 + (m - 6) - (d < 15 ? 1 : 0);
    const programmeFigures = {
      // acc-ma-1 went from green to red; acc-ma-2 was never healthy
      // in whole days, rounded down
      medianDaysToRisk: fig(Math.floor((red1! - green1!) / DAY), Math.floor((red1! - green1!) / DAY), 1),
      warningsActedOn: fig(1, 2, 2),
      medianDaysToIntervention: close((Math.floor(acted1) + Math.floor(acted2)) / 2, 2),
      churnsWithTenure: fig(1, 1, 1),
      medianTenureMonthsAtChurn: fig(tenure, tenure, 1),
      // acc-ma-1's save, red at start, lost with the churn; acc-ma-2's still runs
      highRiskSaveRate: fig(0, 0, 1),
      highRiskSaveRateTarget: { target: 0.6, met: false },
      savesAttempted: fig(1, 1, 1),
      savedAccounts: fig(0, 0, 1),
      averageLifetimeValueCents: fig(0, 0, 0),
      expectedNaturalSaves: fig(0.2, 0.2, 1),
      // no effort logged and no monthly cost: no ROI
      effortHours: fig(0, 0, 1),
      programmeCostCents: fig(0, 0, 1),
      programmeRoi: fig(null, 0, 0),
      programmeRoiTarget: { from: 4, to: 6, band: null },
      // acc-ma-1 scored 85; acc-ma-2 has no score
      healthScoreBands: ['0-20', '21-40', '41-60', '61-80', '81-100'].map((band) => ({
        band,
        accounts: band === '81-100' ? fig(1, 1, 1) : fig(0, 0, 1),
      })),
      unscoredAccounts: fig(1, 1, 1),
    };
    expect(programme.body.total).toEqual(programmeFigures);
    expect(programme.body.groups).toEqual([{ key: {}, ...programmeFigures }]);

    // The account's customer-since date, stated at launch, is on its facts.
    expect((await stack.request('GET', '/accounts/acc-ma-1', { key: keys['csm-ma1'] })).body.customerSince).toBe(
      '2023-06-15',
    );
  }, 180_000);

  it("scopes by role: a manager his team's, another team's CSM his own, a director all; a sales rep none", async () => {
    const alertsOf = async (key: string, path = '/metrics/alerts?groupBy=csm') => {
      const r = await stack.request('GET', path, { key });
      expect(r.status).toBe(200);
      return Object.fromEntries(
        (r.body.groups as Array<{ key: { csm: string }; alerts: { value: number } }>).map((g) => [
          g.key.csm,
          g.alerts.value,
        ]),
      );
    };
    expect(await alertsOf(keys['mgr-ma']!)).toEqual({ 'csm-ma1': 2 });
    expect(await alertsOf(keys['csm-mb1']!)).toEqual({ 'csm-mb1': 1 });
    expect(await alertsOf(keys['dir-ma']!)).toEqual({ 'csm-ma1': 2, 'csm-mb1': 1 });
    expect(await alertsOf(keys['dir-ma']!, '/metrics/alerts?groupBy=csm&teamId=mgr-mb')).toEqual({ 'csm-mb1': 1 });
    // A director's default view (every account, by rule and severity) is answered from the rollups, the same alerts.
    const rolled = await stack.request('GET', '/metrics/alerts', { key: keys['dir-ma'] });
    expect([rolled.status, rolled.body.source]).toEqual([200, 'rollups']);
    expect([rolled.body.total.alerts.value, rolled.body.total.acknowledged]).toEqual([
      3,
      { value: 1 / 3, numerator: 1, denominator: 3 },
    ]);
    const programme = await stack.request('GET', '/metrics/programme?groupBy=team', { key: keys['dir-ma'] });
    expect(
      (programme.body.groups as Array<{ key: { team: string }; savesAttempted: { value: number } }>).map((g) => [
        g.key.team,
        g.savesAttempted.value,
      ]),
    ).toEqual([
      ['mgr-ma', 1],
      ['mgr-mb', 0],
    ]);
    // Without a CSM or team the director's programme comes from the rollup, equal to the rows' answer (read by team),
    // in total and by segment; the rows are read before and after, and the comparison is made when they agree.
    const director = (path: string) => stack.request('GET', path, { key: keys['dir-ma'] });
    for (const groupBy of ['', 'segment']) {
      for (let attempt = 0; ; attempt++) {
        const before = await director('/metrics/programme?groupBy=team');
        const rolled = await director(`/metrics/programme?groupBy=${groupBy}`);
        const after = await director('/metrics/programme?groupBy=team');
        expect([before.body.source, rolled.body.source]).toEqual(['rows', 'rollups']);
        if (JSON.stringify(before.body.total) !== JSON.stringify(after.body.total) && attempt < 5) continue;
        expect(rolled.body.total).toEqual(after.body.total);
        break;
      }
    }
    const bySegment = await director('/metrics/programme?groupBy=segment');
    expect(bySegment.body.groups.length).toBeGreaterThan(0);
    for (const path of ['/metrics/alerts', '/metrics/programme']) {
      const refused = await stack.request('GET', path, { key: keys['ae-ma'] });
      expect([refused.status, refused.headers.get('content-type')]).toEqual([403, expect.stringMatching(PROBLEM_JSON)]);
    }
  }, 60_000);

  it('answers CSV on Accept: text/csv, one row per group', async () => {
    const r = await stack.request('GET', '/metrics/alerts', { key: keys['csm-ma1'], headers: { accept: 'text/csv' } });
    expect([r.status, r.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    const [header, ...rows] = (r.body as string).trimEnd().split('\r\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 5)).toEqual([
      'ruleId',
      'severity',
      'alerts.value',
      'alerts.numerator',
      'alerts.denominator',
    ]);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(rows[0]!.split(',').map((v, i) => [columns[i], v]));
    expect(row).toMatchObject({
      ruleId: 'sponsor_departure',
      severity: 'P0',
      'alerts.value': '2',
      'acknowledged.numerator': '1',
      'acknowledged.denominator': '2',
      'precision.value': '1',
      'precisionTarget.band': 'above',
      'recall.denominator': '1',
    });
    const programme = await stack.request('GET', '/metrics/programme', {
      key: keys['csm-ma1'],
      headers: { accept: 'text/csv' },
    });
    expect((programme.body as string).split('\r\n')[0]).toContain('healthScoreBands.81-100.accounts.value');
    // Both forms are in the OpenAPI document.
    const paths = (await stack.request('GET', '/docs-json')).body.paths;
    for (const path of ['/metrics/alerts', '/metrics/programme'])
      expect(Object.keys(paths[path].get.responses['200'].content)).toEqual(['application/json', 'text/csv']);
  }, 60_000);

  it('refuses a bad query with a 400 naming the parameter', async () => {
    for (const [path, field] of [
      ['/metrics/alerts?policyVersion=2026-12-01.10', 'policyVersion'],
      ['/metrics/alerts?groupBy=tactic', 'groupBy'],
      ['/metrics/programme?groupBy=ruleId', 'groupBy'],
      ['/metrics/programme?from=2026-02-30', 'from'],
      ['/metrics/alerts?from=2026-05-01&to=2026-04-01', 'to'],
    ] as const) {
      const r = await stack.request('GET', path, { key: keys['csm-ma1'] });
      expect([
        path,
        r.status,
        r.headers.get('content-type'),
        r.body.errors?.map((e: { field: string }) => e.field),
      ]).toEqual([path, 400, expect.stringMatching(PROBLEM_JSON), [field]]);
    }
  }, 60_000);
});
