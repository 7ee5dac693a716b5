import { addDays, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

/**
 * Rules of docs/rulebook.md as a CS team meets them through the REST API: integration
 * events in, what the renewal, its save and the alerts say about them out.
 */
describe('the rulebook through the api (api, worker, Temporal, PostgreSQL)', () => {
  let stack: TestStack;
  let keys: Record<string, string>;
  let integrationKey: string;
  let secret: string;
  let seq = 0;

  beforeAll(async () => {
    stack = await TestStack.start();
    keys = await stack.people([
      ['csm_manager', 'mgr-r'],
      ['csm', 'csm-r', 'mgr-r'],
      ['cs_ops', 'ops-r'],
    ]);
    integrationKey = await stack.keyFor('integration', 'crm-r');
    secret = (await new SigningSecretStore(stack.db).create('crm-r')).secret;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Launches a renewal `days` out for a new account and waits for it in the read model; returns its id. */
  async function launch(accountId: string, days: number, account: Parameters<typeof anAccount>[1] = {}) {
    const renewalDate = addDays(localDateAt(new Date(), 'UTC'), days);
    const r = await stack.request('POST', '/renewals', {
      key: keys['ops-r'],
      body: { account: anAccount(accountId, { ownerCsmId: 'csm-r', csmManagerId: 'mgr-r', ...account }), renewalDate },
    });
    expect(r.status).toBe(201);
    const id = `renewal:${accountId}:${renewalDate}`;
    await stack.readWhen(`/renewals/${encodeURIComponent(id)}`, keys['ops-r']!, (b) => b.riskCategory !== undefined);
    return id;
  }

  async function post(accountId: string, type: string, payload: unknown) {
    const r = await stack.postEvent(integrationKey, secret, {
      eventId: `r-${++seq}`,
      source: 'crm-r',
      accountId,
      type,
      occurredAt: new Date().toISOString(),
      payload,
    });
    expect(r.status).toBe(202);
  }

  const renewal = (id: string, until: (b: any) => boolean, what: string) =>
    stack.readWhen(`/renewals/${encodeURIComponent(id)}`, keys['csm-r']!, until, what, 30_000);

  it.each([
    ['payment_failure', { amountCents: 1_250_000, attempt: 2 }, /a payment failed/],
    ['cancellation_inquiry', { channel: 'email' }, /asked how to cancel/],
  ])(
    'a %s 200 days before the renewal makes it red and starts its save (§5.1: lagging P0 signals, at any distance)',
    async (type, payload, reason) => {
      const id = await launch(`acc-lag-${type}`, 200);
      await post(`acc-lag-${type}`, type, payload);
      const red = await renewal(id, (b) => b.saveRequest?.saveId, 'the red renewal with its save');
      expect(red.riskCategory).toBe('red');
      expect(red.classificationHistory.at(-1).reasons).toContainEqual(
        expect.objectContaining({ kind: 'decisive', family: 'commercial', text: expect.stringMatching(reason) }),
      );
      expect(red.saveRequest).toMatchObject({ startedBy: 'renewal' });
    },
    60_000,
  );

  it('raises a P1 for a health score of 40, and the renewal counts 40 and 50 at risk (§5.1 "40 or below", §3 "50 or below")', async () => {
    // $50K mid-market, 120 days out: no severity modifier applies.
    const id = await launch('acc-health-40', 120, { arrCents: 5_000_000, segment: 'mid_market' });
    await post('acc-health-40', 'health_score', { score: 40 });
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-health-40',
      keys['csm-r']!,
      (b) => b.items.length > 0,
      'the health alert',
    );
    expect(alerts.items.map((a: { ruleId: string; severity: string }) => [a.ruleId, a.severity])).toEqual([
      ['health_critical', 'P1'],
    ]);
    const atRisk = await renewal(
      id,
      (b) => b.classificationHistory.some((c: any) => c.reasons.some((r: any) => r.family === 'health')),
      'the health reason on the renewal',
    );
    expect(atRisk.classificationHistory.at(-1).reasons).toContainEqual(
      expect.objectContaining({ kind: 'risk', family: 'health', text: 'health score 40 is 50 or below' }),
    );
    await post('acc-health-40', 'health_score', { score: 50 });
    const fifty = await stack.readWhen(
      `/renewals/${encodeURIComponent(id)}`,
      keys['csm-r']!,
      (b) => b.history.some((h: any) => h.action === 'health_input' && h.detail.inputs?.healthScore === 50),
      'the score of 50 on the renewal',
    );
    // The same signal with another figure: still at risk, and no new history entry for it.
    expect(fifty.riskCategory).toBe(atRisk.riskCategory);
    expect(fifty.classificationHistory).toEqual(atRisk.classificationHistory);
  }, 60_000);

  it('names a reason that joins a red renewal without changing its category (§3)', async () => {
    const id = await launch('acc-reasons', 150);
    await post('acc-reasons', 'competitor_mention', { competitor: 'Rival', context: 'evaluation' });
    await renewal(id, (b) => b.riskCategory === 'red', 'the red renewal');
    await post('acc-reasons', 'budget_freeze', { scope: 'company' });
    const after = await renewal(
      id,
      (b) => b.classificationHistory.at(-1).reasons.some((r: any) => r.family === 'budget'),
      'the budget reason',
    );
    expect(after.classificationHistory.map((c: { category: string }) => c.category).slice(-2)).toEqual(['red', 'red']);
    expect(after.history.filter((h: { action: string }) => h.action === 'reasons_changed')).toHaveLength(1);
  }, 60_000);

  it('raises a P3 for a missed training on a $40K account 120 days out, to the CSM only, for the weekly digest (§5.1)', async () => {
    await launch('acc-p3', 120, { arrCents: 4_000_000, segment: 'mid_market', salesRepId: 'ae-r' });
    await post('acc-p3', 'meeting_cancelled', { meetingKind: 'training', rescheduled: false });
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-p3',
      keys['csm-r']!,
      (b) => b.items.length > 0,
      'the P3',
    );
    expect(alerts.items).toEqual([
      expect.objectContaining({ ruleId: 'training_missed', severity: 'P3', state: 'open' }),
    ]);
    expect(alerts.items[0].recipients).toEqual([
      expect.objectContaining({ role: 'csm', personId: 'csm-r', timing: 'weekly_digest' }),
    ]);
  }, 60_000);

  it('sends every P0 to the sales rep as well, on a $50K SMB account 150 days from its renewal (§5.1)', async () => {
    // No severity modifier applies (ARR $10K-$100K, renewal 60-180 days out), and none of the old sales conditions.
    await launch('acc-p0-sales', 150, { arrCents: 5_000_000, segment: 'smb', salesRepId: 'ae-r' });
    await post('acc-p0-sales', 'cancellation_inquiry', { channel: 'call' });
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-p0-sales&severity=P0',
      keys['csm-r']!,
      (b) => b.items.length > 0,
      'the P0',
    );
    expect(alerts.items[0].recipients.map((r: { role: string; personId: string }) => [r.role, r.personId])).toEqual([
      ['csm', 'csm-r'],
      ['csm_manager', 'mgr-r'],
      ['sales_rep', 'ae-r'],
    ]);
  }, 60_000);

  it('a single competitor feature request is one risk, not red; a competitor evaluation is red until a CSM resolves it (§3)', async () => {
    const id = await launch('acc-signals', 150, { arrCents: 5_000_000, segment: 'mid_market' });
    await post('acc-signals', 'competitor_feature_request', { feature: 'Gantt charts' });
    const yellow = await renewal(id, (b) => (b.signals ?? []).length === 1, 'the feature request on the renewal');
    expect(yellow.riskCategory).toBe('yellow');
    expect(yellow.signals).toEqual([
      expect.objectContaining({ kind: 'competitive', decisive: false, resolved: null, expiresAt: expect.any(String) }),
    ]);
    expect(yellow.saveRequest).toBeNull();
    await post('acc-signals', 'competitor_mention', { competitor: 'Rival', context: 'evaluation' });
    const red = await renewal(id, (b) => b.riskCategory === 'red', 'the red renewal');
    const evaluation = red.signals.find((x: { decisive: boolean }) => x.decisive);
    const path = `/renewals/${encodeURIComponent(id)}/signals/${encodeURIComponent(evaluation.id)}/resolve`;
    // Only the renewal's people, with a reason.
    const other = await stack.keyFor('csm', 'csm-other-r');
    expect((await stack.request('POST', path, { key: other, body: { reason: 'x' } })).status).toBe(403);
    const noReason = await stack.request('POST', path, { key: keys['csm-r'], body: {} });
    expect([noReason.status, noReason.headers.get('content-type')]).toEqual([
      400,
      expect.stringMatching(/problem\+json/),
    ]);
    const missing = await stack.request('POST', `/renewals/${encodeURIComponent(id)}/signals/crm%3Anope/resolve`, {
      key: keys['csm-r'],
      body: { reason: 'x' },
    });
    expect([missing.status, missing.body.code]).toEqual([404, 'RENEWAL.SIGNAL_NOT_FOUND']);
    const resolved = await stack.request('POST', path, {
      key: keys['csm-r'],
      body: { reason: 'They compared prices for a board report; no evaluation' },
    });
    expect([resolved.status, resolved.body.category]).toEqual([200, 'yellow']);
    const again = await stack.request('POST', path, { key: keys['csm-r'], body: { reason: 'again' } });
    expect([again.status, again.body.code]).toEqual([400, 'RENEWAL.INVALID_CHANGE']);
    const after = await renewal(id, (b) => b.riskCategory === 'yellow', 'the renewal back to yellow');
    expect(after.signals.find((x: { id: string }) => x.id === evaluation.id).resolved).toMatchObject({
      by: 'csm-r',
      reason: expect.stringMatching(/board report/),
    });
  }, 60_000);

  it('turns a healthy renewal into expansion on growth signals, with its expansion tasks, mid-phase (§1)', async () => {
    const id = await launch('acc-grow', 50, { arrCents: 5_000_000, segment: 'mid_market', salesRepId: 'ae-r' });
    await post('acc-grow', 'health_score', { score: 85 });
    await renewal(id, (b) => b.riskCategory === 'green', 'the green renewal');
    await post('acc-grow', 'seat_change', { seats: 96, licensedSeats: 100 });
    await post('acc-grow', 'expansion_interest', { from: 'budget_holder', product: 'Analytics add-on' });
    const grown = await renewal(id, (b) => b.riskCategory === 'expansion', 'the expansion renewal');
    expect(grown.classificationHistory.at(-1).reasons).toContainEqual(expect.objectContaining({ kind: 'growth' }));
    // Preparation began before it turned expansion: its expansion plan is laid out now, for the sales rep.
    expect(grown.tasks.filter((t: { key: string }) => t.key === 'expansion_plan')).toEqual([
      expect.objectContaining({ ownerRole: 'sales_rep', ownerId: 'ae-r', state: 'open' }),
    ]);
  }, 60_000);
});
