import { Metadata } from '@grpc/grpc-js';
import { ServiceError, WorkflowNotFoundError, type WorkflowStartOptions } from '@temporalio/client';
import { addDays, localDateAt } from '@retain/domain';
import { getAccountRiskStateQuery } from '@retain/workflows';
import { importRenewals, parseRenewalCsv } from '../../apps/api/src/cli/renewal-import';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

/**
 * POST /renewals/batch opens each account's early-warning workflow besides its renewal
 * (docs/decisions/0014-batch-launch-opens-early-warning.md): through the real api, the
 * Temporal dev server and the worker.
 */
describe('batch launch opens the early warning (HTTP -> api -> Temporal -> worker)', () => {
  let stack: TestStack;
  let opsKey: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    opsKey = await stack.keyFor('cs_ops', 'ops-ew');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const renewalDate = addDays(localDateAt(new Date(), 'UTC'), 120);
  const item = (accountId: string) => ({ account: anAccount(accountId), renewalDate });
  const renewalId = (accountId: string) => `renewal:${accountId}:${renewalDate}`;
  const batch = (body: unknown) => stack.request('POST', '/renewals/batch', { key: opsKey, body });

  async function describeOrNull(id: string) {
    try {
      return await stack.temporal.client.workflow.getHandle(id).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /** The renewal's announcement to its account (renewalOpened) has gone, or failed: nothing more will come from it. */
  async function renewalAnnounced(accountId: string): Promise<void> {
    await waitUntil(
      async () => {
        const { events } = await stack.temporal.client.workflow.getHandle(renewalId(accountId)).fetchHistory();
        return events?.some((e) => e.externalWorkflowExecutionSignaledEventAttributes) ||
          events?.some((e) => e.signalExternalWorkflowExecutionFailedEventAttributes)
          ? true
          : undefined;
      },
      20_000,
      `${renewalId(accountId)} to announce itself to its early warning`,
    );
  }

  /** The signals the account's early-warning workflow received, by name. */
  async function signalsTo(accountId: string): Promise<string[]> {
    const { events } = await stack.temporal.client.workflow.getHandle(`account:${accountId}`).fetchHistory();
    return (events ?? []).flatMap((e) => {
      const name = e.workflowExecutionSignaledEventAttributes?.signalName;
      return name ? [name] : [];
    });
  }

  it('starts the renewal and the early warning, both run on the worker, and a re-launch duplicates neither', async () => {
    const res = await batch({ items: [item('acc-ew-1'), item('acc-ew-2')] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 2,
      alreadyRunning: 0,
      rejected: 0,
      earlyWarning: { opened: 2, alreadyRunning: 0, failed: 0 },
    });
    expect(res.body.items).toEqual([
      { index: 0, status: 'created', id: renewalId('acc-ew-1'), earlyWarning: { status: 'opened' } },
      { index: 1, status: 'created', id: renewalId('acc-ew-2'), earlyWarning: { status: 'opened' } },
    ]);

    for (const accountId of ['acc-ew-1', 'acc-ew-2']) {
      // The renewal ran its first tasks on the worker: its read-model row is there.
      await waitUntil(
        async () => {
          const rows: unknown[] = await stack.db.query('SELECT 1 FROM renewals WHERE id = $1', [renewalId(accountId)]);
          return rows.length ? true : undefined;
        },
        20_000,
        `the read-model row of ${renewalId(accountId)}`,
      );
      // The early warning runs on the worker too: only a worker running it answers a query.
      const risk = stack.temporal.client.workflow.getHandle(`account:${accountId}`);
      expect((await risk.describe()).type).toBe('accountRiskWorkflow');
      const state = await risk.query(getAccountRiskStateQuery);
      expect(state).toMatchObject({ accountId, eventsApplied: 0, alerts: [] });
    }

    await renewalAnnounced('acc-ew-1');
    const runBefore = (await describeOrNull('account:acc-ew-1'))!.runId;
    const signalsBefore = await signalsTo('acc-ew-1');
    // The renewal's own announcement is all it may have heard (none when it came before the start).
    expect(signalsBefore.filter((n) => n !== 'renewalOpened')).toEqual([]);
    expect(signalsBefore.length).toBeLessThanOrEqual(1);

    const again = await batch({ items: [item('acc-ew-1'), item('acc-ew-2')] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      created: 0,
      alreadyRunning: 2,
      earlyWarning: { opened: 0, alreadyRunning: 2, failed: 0 },
    });
    expect(again.body.items.map((i: { earlyWarning: { status: string } }) => i.earlyWarning.status)).toEqual([
      'already_running',
      'already_running',
    ]);
    const after = (await describeOrNull('account:acc-ew-1'))!;
    expect(after.status.name).toBe('RUNNING');
    expect(after.runId).toBe(runBefore);
    // The re-launch said nothing to the running early warning.
    expect(await signalsTo('acc-ew-1')).toEqual(signalsBefore);
  }, 60_000);

  it('reports a Temporal failure of the early warning per item, keeps the renewal, and a re-launch opens it', async () => {
    const client = stack.apiTemporalClient;
    const start = client.workflow.start.bind(client.workflow);
    const unavailable = () =>
      new ServiceError('Failed to start Workflow', {
        cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
          code: 14,
          details: 'No connection established',
          metadata: new Metadata(),
        }),
      });
    const spy = jest.spyOn(client.workflow, 'start').mockImplementation(((
      type: string,
      options: WorkflowStartOptions,
    ) => {
      if (type === 'accountRiskWorkflow' && ['account:acc-ew-down', 'account:acc-ew-csv'].includes(options.workflowId))
        return Promise.reject(unavailable());
      if (type === 'accountRiskWorkflow' && options.workflowId === 'account:acc-ew-broken')
        return Promise.reject(new ServiceError('Failed to start Workflow: internal'));
      return start(type, options);
    }) as never);
    let res;
    let imported;
    try {
      res = await batch({ items: [item('acc-ew-down'), item('acc-ew-broken'), item('acc-ew-fine')] });
      // The CSV import reports such a row too (the renewal is launched, the row is named).
      imported = await importRenewals(
        parseRenewalCsv(
          [
            'account_id,account_name,arr_cents,segment,time_zone,owner_csm_id,renewal_date',
            `acc-ew-csv,Csv Down,900000,smb,UTC,csm-1,${renewalDate}`,
          ].join('\n'),
        ),
        { baseUrl: stack.baseUrl, apiKey: opsKey },
      );
    } finally {
      spy.mockRestore();
    }
    expect(imported).toMatchObject({ launched: 1, rejected: [] });
    expect(imported.earlyWarningNotOpened).toEqual([{ row: 2, reason: expect.stringMatching(/not reachable/) }]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 3,
      rejected: 0,
      earlyWarning: { opened: 1, alreadyRunning: 0, failed: 2 },
    });
    expect(res.body.items[0]).toMatchObject({
      status: 'created',
      id: renewalId('acc-ew-down'),
      earlyWarning: {
        status: 'failed',
        code: 'DEPENDENCY.UNAVAILABLE',
        detail: expect.stringMatching(/launch the item again/),
      },
    });
    expect(res.body.items[1]).toMatchObject({
      status: 'created',
      earlyWarning: { status: 'failed', code: 'INTERNAL', detail: expect.stringMatching(/launch the item again/) },
    });
    expect(res.body.items[2]).toMatchObject({ status: 'created', earlyWarning: { status: 'opened' } });
    // The renewals started; the early warnings that failed did not.
    expect((await describeOrNull(renewalId('acc-ew-down')))?.status.name).toBe('RUNNING');
    expect(await describeOrNull('account:acc-ew-down')).toBeNull();
    expect(await describeOrNull('account:acc-ew-broken')).toBeNull();

    const retry = await batch({ items: [item('acc-ew-down'), item('acc-ew-broken')] });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ alreadyRunning: 2, earlyWarning: { opened: 2, failed: 0 } });
    expect((await describeOrNull('account:acc-ew-down'))?.status.name).toBe('RUNNING');
  }, 60_000);

  it('launches the renewals only when the request says earlyWarning: false, and refuses a flag that is not a boolean', async () => {
    const res = await batch({ items: [item('acc-ew-off')], earlyWarning: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, earlyWarning: { opened: 0, alreadyRunning: 0, failed: 0 } });
    expect(res.body.items[0]).toEqual({ index: 0, status: 'created', id: renewalId('acc-ew-off') });
    expect((await describeOrNull(renewalId('acc-ew-off')))?.status.name).toBe('RUNNING');
    expect(await describeOrNull('account:acc-ew-off')).toBeNull();

    const bad = await batch({ items: [item('acc-ew-bad')], earlyWarning: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body).toMatchObject({ code: 'VALIDATION.FAILED' });
    expect(await describeOrNull(renewalId('acc-ew-bad'))).toBeNull();
  }, 60_000);
});
