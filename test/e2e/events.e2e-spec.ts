import { DEFAULT_POLICY, addDays, inQuietHours, localDateAt } from '@retain/domain';
import { accountRiskWorkflowId, getAccountRiskStateQuery } from '@retain/workflows';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { POSTGRES_RELAY_INBOX } from '../../apps/worker/src/event-relay';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount } from '../support/factories';
import { TestStack } from '../support/stack';

const PROBLEM_JSON = /^application\/problem\+json/;

/** A fixed-offset zone where it is 23:xx now, so the P0 below is raised late in the evening, whenever the test runs. */
const lateEvening = (() => {
  let offset = (23 - new Date().getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  // POSIX-style names: Etc/GMT-9 is UTC+9.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
})();

describe('integration events end to end: signed ingestion, the inbox, delivery to the account workflow', () => {
  let stack: TestStack;
  let integrationKey: string;
  let secret: string;
  let opsKey: string;
  let csmKey: string;
  let otherCsmKey: string;

  beforeAll(async () => {
    stack = await TestStack.start();
    [integrationKey, opsKey, csmKey, otherCsmKey] = await Promise.all([
      stack.keyFor('integration', 'crm-int'),
      stack.keyFor('cs_ops', 'ops-e'),
      stack.keyFor('csm', 'csm-e'),
      stack.keyFor('csm', 'csm-other'),
    ]);
    secret = (await new SigningSecretStore(stack.db).create('crm-int')).secret;
    const big = (id: string, timeZone: string) => ({
      account: anAccount(id, { timeZone, ownerCsmId: 'csm-e', csmManagerId: 'mgr-e', salesRepId: 'ae-e' }),
      renewalDate: addDays(localDateAt(new Date(), timeZone), 45),
    });
    const small = {
      account: anAccount('acc-ev-smb', {
        name: 'Small LLC',
        arrCents: 500_000,
        segment: 'smb',
        timeZone: 'America/Denver',
        ownerCsmId: 'csm-e',
        csmManagerId: 'mgr-e',
      }),
      renewalDate: addDays(localDateAt(new Date(), 'America/Denver'), 120),
    };
    for (const body of [big('acc-ev-1', 'Asia/Tokyo'), big('acc-ev-2', lateEvening), small]) {
      const id = body.account.id;
      expect((await stack.request('POST', '/renewals', { key: opsKey, body })).status).toBe(201);
      await waitUntil(
        async () =>
          (await stack.db.query<unknown[]>('SELECT 1 FROM accounts WHERE id = $1', [id])).length > 0 || undefined,
        15_000,
        `account ${id}`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Posts `body` signed the Standard Webhooks way (as any integration's library would). */
  function post(body: unknown, options: { signWith?: string; at?: Date; key?: string } = {}) {
    return stack.postEvent(options.key ?? integrationKey, options.signWith ?? secret, body, options.at);
  }
  const event = (eventId: string, accountId: string, type: string, payload: unknown) => ({
    eventId,
    source: 'crm-int',
    accountId,
    type,
    occurredAt: new Date().toISOString(),
    payload,
  });
  const inboxRows = async (eventId: string) =>
    stack.db.query<Array<{ delivered_at: Date | null }>>(
      'SELECT delivered_at FROM inbound_events WHERE source = $1 AND event_id = $2',
      ['crm-int', eventId],
    );
  const accountState = (accountId: string) =>
    stack.temporal.client.workflow.getHandle(accountRiskWorkflowId(accountId)).query(getAccountRiskStateQuery);

  it('accepts a signed event, delivers it to the account workflow once, and records its health reading', async () => {
    const res = await post(event('hs-1', 'acc-ev-1', 'health_score', { score: 42 }));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      accepted: 1,
      held: 0,
      duplicates: 0,
      rejected: 0,
      results: [{ index: 0, eventId: 'hs-1', status: 'accepted' }],
    });
    await waitUntil(async () => ((await inboxRows('hs-1'))[0]?.delivered_at ? true : undefined), 15_000, 'delivery');
    const state = await waitUntil(
      async () => {
        const s = await accountState('acc-ev-1').catch(() => undefined);
        return s && s.eventsApplied >= 1 ? s : undefined;
      },
      15_000,
      'the account workflow',
    );
    expect(state.appliedEventIds).toContain('crm-int:hs-1');
    expect(state.signals.health).toMatchObject({ score: 42 });
    const readings = await waitUntil(
      async () => {
        const r = await stack.db.query<Array<{ health_score: string }>>(
          'SELECT health_score FROM account_health_observations WHERE account_id = $1',
          ['acc-ev-1'],
        );
        return r.length ? r : undefined;
      },
      15_000,
      'the health reading',
    );
    expect(readings.map((r) => Number(r.health_score))).toEqual([42]);

    // The same event again: a duplicate, no second effect.
    const again = await post(event('hs-1', 'acc-ev-1', 'health_score', { score: 42 }));
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1, results: [{ status: 'duplicate' }] });
    expect(await inboxRows('hs-1')).toHaveLength(1);
  }, 60_000);

  it("refuses a bad signature, a stale timestamp, and a person's key, storing nothing", async () => {
    const wrongSecret = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;
    const bad = await post(event('bad-1', 'acc-ev-1', 'nps', { score: 3 }), { signWith: wrongSecret });
    expect([bad.status, bad.body.code]).toEqual([401, 'EVENTS.SIGNATURE_INVALID']);
    expect(bad.headers.get('content-type')).toMatch(PROBLEM_JSON);
    const stale = await post(event('stale-1', 'acc-ev-1', 'nps', { score: 3 }), {
      at: new Date(Date.now() - 6 * 60_000),
    });
    expect([stale.status, stale.body.code]).toEqual([401, 'EVENTS.SIGNATURE_INVALID']);
    const unsigned = await stack.request('POST', '/events', {
      key: integrationKey,
      body: event('unsigned-1', 'acc-ev-1', 'nps', { score: 3 }),
    });
    expect(unsigned.status).toBe(401);
    const person = await post(event('person-1', 'acc-ev-1', 'nps', { score: 3 }), { key: opsKey });
    expect([person.status, person.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    for (const id of ['bad-1', 'stale-1', 'unsigned-1', 'person-1']) expect(await inboxRows(id)).toEqual([]);
  }, 30_000);

  it('takes a batch: a malformed event is rejected, one for an account Retain does not know yet held, the rest accepted', async () => {
    const res = await post({
      events: [
        event('b-1', 'acc-ev-2', 'sponsor_departure', { reason: 'departed', contactName: 'Sato' }),
        event('b-2', 'acc-ev-2', 'nps', { score: 11 }),
        event('b-3', 'acc-nobody', 'nps', { score: 5 }),
        event('b-4', 'acc-ev-2', 'competitor_mention', { competitor: 'RivalCo', context: 'question' }),
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, held: 1, duplicates: 0, rejected: 1 });
    expect(
      res.body.results.map((r: { eventId: string; status: string; reason?: string }) => [
        r.eventId,
        r.status,
        r.reason ?? null,
      ]),
    ).toEqual([
      ['b-1', 'accepted', null],
      ['b-2', 'rejected', 'invalid'],
      ['b-3', 'held', null],
      ['b-4', 'accepted', null],
    ]);
    expect(res.body.results[1].errors).toEqual([{ field: 'payload.score', message: expect.any(String) }]);
    // A single malformed event is a plain 400.
    const single = await post(event('s-1', 'acc-ev-2', 'nps', { score: 'ten' }));
    expect([single.status, single.body.code]).toEqual([400, 'VALIDATION.FAILED']);
    const tooMany = await post({
      events: Array.from({ length: 501 }, (_, i) => event(`m-${i}`, 'acc-ev-2', 'nps', { score: 5 })),
    });
    expect(tooMany.status).toBe(400);
    const s = await waitUntil(
      async () => {
        const st = await accountState('acc-ev-2').catch(() => undefined);
        return st && st.eventsApplied === 2 ? st : undefined;
      },
      15_000,
      'both accepted events applied',
    );
    expect(s.appliedEventIds.sort()).toEqual(['crm-int:b-1', 'crm-int:b-4']);
  }, 60_000);

  it('stores a batch in one insert: an event repeated inside the batch or sent before is a duplicate, in request order', async () => {
    // An account known to Retain without a renewal (as an earlier launch leaves it).
    await stack.db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES ('acc-ev-3', 'Third AS', 2000000, 'mid_market', 'Europe/Oslo', 'csm-e', 'mgr-e')`,
    );
    const first = await post(event('d-0', 'acc-ev-3', 'nps', { score: 9 }));
    expect(first.status).toBe(202);
    const res = await post({
      events: [
        event('d-1', 'acc-ev-3', 'nps', { score: 10 }),
        event('d-0', 'acc-ev-3', 'nps', { score: 9 }),
        event('d-1', 'acc-ev-3', 'nps', { score: 8 }),
        event('d-2', 'acc-ev-3', 'csat', { score: 5 }),
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 2, rejected: 0 });
    expect(
      res.body.results.map((r: { index: number; eventId: string; status: string }) => [r.index, r.eventId, r.status]),
    ).toEqual([
      [0, 'd-1', 'accepted'],
      [1, 'd-0', 'duplicate'],
      [2, 'd-1', 'duplicate'],
      [3, 'd-2', 'accepted'],
    ]);
    // The first copy of d-1 is the one stored.
    const [stored] = await stack.db.query<Array<{ payload: { score: number } }>>(
      'SELECT payload FROM inbound_events WHERE source = $1 AND event_id = $2',
      ['crm-int', 'd-1'],
    );
    expect(stored?.payload).toEqual({ score: 10 });
    const s = await waitUntil(
      async () => {
        const st = await accountState('acc-ev-3').catch(() => undefined);
        return st && st.eventsApplied === 3 ? st : undefined;
      },
      15_000,
      'three distinct events applied',
    );
    expect(s.appliedEventIds.sort()).toEqual(['crm-int:d-0', 'crm-int:d-1', 'crm-int:d-2']);
    // Text PostgreSQL's jsonb cannot hold is a 400 naming the field, never a database error.
    const nul = await post(event('d-3', 'acc-ev-3', 'survey_comment', { text: 'ok\u0000', sentiment: 'neutral' }));
    expect([nul.status, nul.body.errors?.[0]?.field]).toEqual([400, 'payload.text']);
    expect(await inboxRows('d-3')).toEqual([]);
  }, 60_000);

  it('turns the sponsor departure on a $150K enterprise account 45 days before renewal into a P0 for CSM, manager and sales, at once even at 23:00 local, and asks the renewal for a save', async () => {
    const alert = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/alerts?accountId=acc-ev-2&severity=P0', { key: csmKey });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'sponsor_departure');
      },
      15_000,
      'the P0 alert',
    );
    expect(alert).toMatchObject({
      severity: 'P0',
      state: 'open',
      saveRequestedFor: expect.stringMatching(/^renewal:acc-ev-2:/),
    });
    expect(alert.recipients.map((r: { role: string }) => r.role)).toEqual(['csm', 'csm_manager', 'sales_rep']);
    // Raised in the account's quiet hours (its zone was picked so that the test runs at 23:xx there): a P0 goes at once all the same.
    expect(inQuietHours(new Date(alert.triggeredAt), lateEvening, DEFAULT_POLICY)).toBe(true);
    expect(alert.deliverAt).toBe(alert.triggeredAt);
    const outbox = await stack.db.query<Array<{ kind: string; deliver_after: Date }>>(
      `SELECT kind, deliver_after FROM notifications WHERE key = $1`,
      [alert.notificationKey],
    );
    expect(outbox).toEqual([{ kind: 'alert', deliver_after: new Date(alert.deliverAt) }]);
    // Forwarding: the renewal near its date got a save.
    const renewal = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/renewals/${encodeURIComponent(alert.saveRequestedFor)}`, {
          key: opsKey,
        });
        return r.body?.saveRequest?.saveId ? r.body : undefined;
      },
      15_000,
      'the save on the renewal',
    );
    // Turned red by the forwarded signals, or asked by the P0: either way one save, started by the renewal.
    expect(renewal.saveRequest).toMatchObject({
      saveId: expect.stringMatching(/^save:acc-ev-2:/),
      startedBy: 'renewal',
    });
    // Forwarding: the departure reached the renewal as a stakeholder signal, the competitor mention as a competitive one, each with its weight.
    const forwarded = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/renewals/${encodeURIComponent(alert.saveRequestedFor)}`, {
          key: opsKey,
        });
        const kinds = (r.body?.history ?? [])
          .filter((h: { actor: string; action: string }) => h.actor === 'early_warning' && h.action === 'risk_signal')
          .map((h: { detail: { kind: string } }) => h.detail.kind);
        return kinds.includes('stakeholder_change') && kinds.includes('competitive') ? r.body : undefined;
      },
      15_000,
      'the forwarded signals on the renewal',
    );
    expect(forwarded.riskCategory).toBe('red');
    // And a later alert becomes an issue of the save the renewal started.
    expect((await post(event('bf-1', 'acc-ev-2', 'budget_freeze', { scope: 'company' }))).body.accepted).toBe(1);
    const save = await waitUntil(
      async () => {
        const r = await stack.request('GET', `/saves/${encodeURIComponent(renewal.saveRequest.saveId)}`, {
          key: opsKey,
        });
        return r.body?.issues?.some((i: { description: string }) =>
          i.description.startsWith('Early warning (budget freeze)'),
        )
          ? r.body
          : undefined;
      },
      20_000,
      'the early-warning issue on the save',
    );
    expect(
      save.issues.filter((i: { description: string }) => i.description.startsWith('Early warning (budget freeze)')),
    ).toEqual([expect.objectContaining({ source: 'early_warning', recordedBy: 'early_warning', fixable: false })]);
    expect((await stack.request('GET', '/alerts?accountId=acc-ev-2', { key: otherCsmKey })).body.items).toEqual([]);
    const path = `/alerts/${encodeURIComponent(alert.id)}`;
    expect((await stack.request('POST', `${path}/acknowledge`, { key: otherCsmKey, body: {} })).status).toBe(403);
    const ack = await stack.request('POST', `${path}/acknowledge`, { key: csmKey, body: {} });
    expect([ack.status, ack.body.state, ack.body.acknowledgedBy]).toEqual([200, 'acknowledged', 'csm-e']);
    const again = await stack.request('POST', `${path}/acknowledge`, { key: csmKey, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'ALERT.ALREADY_HANDLED']);
    expect((await stack.request('POST', '/alerts/alert:nope:1/resolve', { key: csmKey, body: {} })).status).toBe(404);
    const listed = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/alerts?accountId=acc-ev-2&state=acknowledged', { key: csmKey });
        return r.body?.items?.length ? r.body.items : undefined;
      },
      15_000,
      'the acknowledgement in the read model',
    );
    expect(listed.map((a: { id: string }) => a.id)).toContain(alert.id);
  }, 60_000);

  it("lays the sponsor departure's response playbook out as tasks on the alert, and the CSM marks one done, once", async () => {
    const alert = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/alerts?accountId=acc-ev-2&severity=P0', { key: csmKey });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'sponsor_departure');
      },
      15_000,
      'the P0 alert',
    );
    const triggered = Date.parse(alert.triggeredAt);
    const hoursOf = (t: { dueAt: string }) => (Date.parse(t.dueAt) - triggered) / 3_600_000;
    // Seed 004: assess within 4 h, coordinate within 24 h, reach out within 48 h, reset within 2 weeks, weekly for 90 days.
    expect(alert.tasks.slice(0, 5).map((t: { id: string; dueAt: string }) => [t.id, hoursOf(t)])).toEqual([
      ['assess', 4],
      ['internal_coordination', 24],
      ['customer_outreach', 48],
      ['weekly_touchpoint-1', 168],
      ['relationship_reset', 336],
    ]);
    expect(alert.tasks).toHaveLength(16);
    expect(alert.tasks[0]).toMatchObject({ state: 'open', overdue: false, completedAt: null, escalatedAt: null });

    const path = `/alerts/${encodeURIComponent(alert.id)}/tasks`;
    const body = { note: 'Departure confirmed; successor is the CFO' };
    expect((await stack.request('POST', `${path}/assess/complete`, { key: otherCsmKey, body })).status).toBe(403);
    const headers = { 'idempotency-key': 'assess-acc-ev-2' };
    const done = await stack.request('POST', `${path}/assess/complete`, { key: csmKey, body, headers });
    expect([done.status, done.body]).toEqual([
      200,
      expect.objectContaining({ id: 'assess', state: 'done', completedBy: 'csm-e', note: body.note, overdue: false }),
    ]);
    // A retry with the same key is answered as the first time; without the key, it is done already.
    const retry = await stack.request('POST', `${path}/assess/complete`, { key: csmKey, body, headers });
    expect([retry.status, retry.body.completedAt]).toEqual([200, done.body.completedAt]);
    const twice = await stack.request('POST', `${path}/assess/complete`, { key: csmKey, body });
    expect([twice.status, twice.headers.get('content-type'), twice.body.code]).toEqual([
      409,
      expect.stringMatching(PROBLEM_JSON),
      'ALERT.TASK_ALREADY_DONE',
    ]);
    for (const taskId of ['no_such_step', 'Not-A-Task!'])
      expect(
        (await stack.request('POST', `${path}/${encodeURIComponent(taskId)}/complete`, { key: csmKey, body: {} })).body
          .code,
      ).toBe('ALERT.TASK_NOT_FOUND');
    expect(
      (await stack.request('POST', '/alerts/alert:acc-ev-2:999/tasks/assess/complete', { key: csmKey, body: {} }))
        .status,
    ).toBe(404);

    const listed = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/alerts?accountId=acc-ev-2&severity=P0', { key: csmKey });
        const a = r.body?.items?.find((x: { id: string }) => x.id === alert.id);
        return a?.tasks?.[0]?.state === 'done' ? a : undefined;
      },
      15_000,
      'the done task in the read model',
    );
    expect(listed.tasks.map((t: { id: string; state: string }) => [t.id, t.state]).slice(0, 2)).toEqual([
      ['assess', 'done'],
      ['internal_coordination', 'open'],
    ]);
    expect(listed.tasks.filter((t: { state: string }) => t.state === 'done')).toHaveLength(1);
  }, 60_000);

  it('loses nothing when the process dies between the commit and the signal, and applies a redelivery once', async () => {
    // Committed but never signalled: as if the api had died right after its transaction.
    await stack.db.query(
      `INSERT INTO inbound_events (source, event_id, principal_id, account_id, type, occurred_at, payload, webhook_id) VALUES ('crm-int', 'crash-1', 'crm-int', 'acc-ev-1', 'health_score', now(), '{"score": 77}', 'msg_crash')`,
    );
    await waitUntil(
      async () => ((await accountState('acc-ev-1')).appliedEventIds.includes('crm-int:crash-1') ? true : undefined),
      15_000,
      'the stranded event delivered',
    );
    const before = await accountState('acc-ev-1');
    // Signalled but not marked: as if the worker had died between the signal and the update.
    await stack.db.query(
      `UPDATE inbound_events SET delivered_at = NULL WHERE source = 'crm-int' AND event_id IN ('crash-1', 'hs-1')`,
    );
    await waitUntil(
      async () =>
        (
          await stack.db.query<unknown[]>(
            `SELECT 1 FROM inbound_events WHERE delivered_at IS NULL AND source = 'crm-int' AND event_id IN ('crash-1', 'hs-1')`,
          )
        ).length === 0
          ? true
          : undefined,
      15_000,
      'redelivery',
    );
    const after = await accountState('acc-ev-1');
    expect(after.eventsApplied).toBe(before.eventsApplied);
    const readings = await stack.db.query<Array<{ health_score: string }>>(
      'SELECT health_score FROM account_health_observations WHERE account_id = $1 ORDER BY observed_at',
      ['acc-ev-1'],
    );
    expect(readings.map((r) => Number(r.health_score))).toEqual([42, 77]);
  }, 60_000);

  /** An account known to Retain without a renewal (as an earlier launch leaves it). */
  const knownAccount = (id: string) =>
    stack.db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id) VALUES ($1, 'Batch AS', 2000000, 'mid_market', 'Europe/Oslo', 'csm-e', 'mgr-e')`,
      [id],
    );
  const undeliveredOf = async (accountId: string) =>
    Number(
      (
        await stack.db.query<Array<{ n: string }>>(
          'SELECT count(*) AS n FROM inbound_events WHERE account_id = $1 AND delivered_at IS NULL',
          [accountId],
        )
      )[0]?.n,
    );
  const appliedAll = (accountId: string, n: number) =>
    waitUntil(
      async () => {
        const st = await accountState(accountId).catch(() => undefined);
        return st && st.eventsApplied >= n && (await undeliveredOf(accountId)) === 0 ? st : undefined;
      },
      30_000,
      `${n} events applied to ${accountId}`,
    );
  const readingsOf = async (accountId: string) =>
    (
      await stack.db.query<Array<{ event_id: string }>>(
        'SELECT event_id FROM account_health_observations WHERE account_id = $1 ORDER BY event_id',
        [accountId],
      )
    ).map((r) => r.event_id);
  /** The events the relay carried to the workflow, signal by signal (single or batch), as Temporal recorded them. */
  const signalledIds = async (accountId: string) => {
    const history = await stack.temporal.client.workflow.getHandle(accountRiskWorkflowId(accountId)).fetchHistory();
    const ids: string[] = [];
    for (const e of history.events ?? []) {
      const a = e.workflowExecutionSignaledEventAttributes;
      if (!a?.input?.payloads?.[0]?.data) continue;
      const arg = JSON.parse(Buffer.from(a.input.payloads[0].data).toString('utf8')) as
        { events: Array<{ eventId: string }> } | { eventId: string };
      ids.push(...('events' in arg ? arg.events.map((x) => x.eventId) : [arg.eventId]));
    }
    return ids;
  };

  it('applies 24 events posted at once for one account each exactly once, in the order the relay delivered them', async () => {
    await knownAccount('acc-ev-many');
    const ids = Array.from({ length: 24 }, (_, i) => `many-${String(i + 1).padStart(2, '0')}`);
    const answers = await Promise.all(
      ids.map((id, i) => post(event(id, 'acc-ev-many', 'health_score', { score: 20 + i }))),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    const state = await appliedAll('acc-ev-many', ids.length);
    expect(state.eventsApplied).toBe(ids.length);
    // The relay's order: pass after pass (delivered_at is its transaction's time), each in the inbox's order.
    const delivered = await stack.db.query<Array<{ event_id: string; delivery_attempts: number }>>(
      `SELECT event_id, delivery_attempts FROM inbound_events WHERE account_id = $1
        ORDER BY delivered_at, received_at, source, event_id`,
      ['acc-ev-many'],
    );
    expect(state.appliedEventIds).toEqual(delivered.map((r) => `crm-int:${r.event_id}`));
    expect(delivered.every((r) => r.delivery_attempts === 1)).toBe(true);
    expect([...state.appliedEventIds].sort()).toEqual(ids.map((id) => `crm-int:${id}`));
    // One health reading each, and Temporal carried each event once.
    await waitUntil(
      async () => ((await readingsOf('acc-ev-many')).length === ids.length ? true : undefined),
      15_000,
      'the health readings',
    );
    expect(await readingsOf('acc-ev-many')).toEqual(ids.map((id) => `crm-int:${id}`));
    const signalled = await signalledIds('acc-ev-many');
    expect([...signalled].sort()).toEqual(ids.map((id) => `crm-int:${id}`));
  }, 60_000);

  it('a relay whose mark fails after its signal went (a worker dying in between) sends the events again with later ones, and each is applied once', async () => {
    await knownAccount('acc-ev-remark');
    let failedRows: string[] | undefined;
    let letGo!: () => void;
    const later = new Promise<void>((resolve) => (letGo = resolve));
    let marking!: () => void;
    const reachedMark = new Promise<void>((resolve) => (marking = resolve));
    // The real inbox, but the first mark of this account's rows fails, once the test has posted more.
    stack.relay.useInbox({
      ...POSTGRES_RELAY_INBOX,
      markDelivered: async (em, rows) => {
        if (!failedRows && rows.some((r) => r.account_id === 'acc-ev-remark')) {
          failedRows = rows.filter((r) => r.account_id === 'acc-ev-remark').map((r) => r.event_id);
          marking();
          await later;
          throw new Error('injected: the worker died between the signal and the mark');
        }
        await POSTGRES_RELAY_INBOX.markDelivered(em, rows);
      },
    });
    try {
      const first = ['rm-1', 'rm-2', 'rm-3', 'rm-4', 'rm-5'];
      const res = await post({
        events: first.map((id, i) => event(id, 'acc-ev-remark', 'health_score', { score: 60 + i })),
      });
      expect(res.body.accepted).toBe(5);
      await reachedMark;
      expect(failedRows).toEqual(first);
      // Signalled and not yet marked: more events for the account arrive meanwhile.
      const second = ['rm-6', 'rm-7', 'rm-8'];
      const more = await post({
        events: second.map((id, i) => event(id, 'acc-ev-remark', 'health_score', { score: 70 + i })),
      });
      expect(more.body.accepted).toBe(3);
      letGo();
      const state = await appliedAll('acc-ev-remark', 8);
      expect(state.eventsApplied).toBe(8);
      expect(state.appliedEventIds).toEqual([...first, ...second].map((id) => `crm-int:${id}`));
      expect(state.signals.health).toMatchObject({ score: 72 });
      // Temporal did receive the first five twice: the retry overlapped what the workflow had applied.
      const signalled = await signalledIds('acc-ev-remark');
      expect(signalled.filter((id) => id === 'crm-int:rm-1')).toHaveLength(2);
      expect(signalled.length).toBeGreaterThan(8);
      // The failed pass rolled back: one recorded attempt each, all delivered.
      const rows = await stack.db.query<Array<{ delivery_attempts: number; delivered: boolean }>>(
        'SELECT delivery_attempts, delivered_at IS NOT NULL AS delivered FROM inbound_events WHERE account_id = $1',
        ['acc-ev-remark'],
      );
      expect(rows).toHaveLength(8);
      expect(rows.every((r) => r.delivery_attempts === 1 && r.delivered)).toBe(true);
      await waitUntil(
        async () => ((await readingsOf('acc-ev-remark')).length === 8 ? true : undefined),
        15_000,
        'the health readings',
      );
    } finally {
      letGo();
      stack.relay.useInbox(undefined);
    }
  }, 60_000);

  it('holds an event for an account not launched yet (202 held), shows it to cs_ops, and applies it once when the account is launched', async () => {
    const departure = event('early-1', 'acc-ev-later', 'sponsor_departure', {
      reason: 'departed',
      contactName: 'Tanaka',
    });
    const health = event('early-2', 'acc-ev-later', 'health_score', { score: 35 });
    const first = await post(departure);
    expect([first.status, first.body]).toEqual([
      202,
      { accepted: 0, held: 1, duplicates: 0, rejected: 0, results: [{ index: 0, eventId: 'early-1', status: 'held' }] },
    ]);
    // A batch: a new held event, and a repeat of the held one (a duplicate, stored once).
    const batch = await post({ events: [health, departure] });
    expect([batch.status, batch.body.results.map((r: { status: string }) => r.status)]).toEqual([
      202,
      ['held', 'duplicate'],
    ]);
    // Nothing else weakens for an unknown account: a bad payload is a 400, a bad signature a 401, neither stored.
    const badPayload = await post(event('early-bad', 'acc-ev-later', 'nps', { score: 11 }));
    expect([badPayload.status, badPayload.body.code]).toEqual([400, 'VALIDATION.FAILED']);
    const wrongSecret = `whsec_${Buffer.from('y'.repeat(32)).toString('base64')}`;
    const badSignature = await post(event('early-sig', 'acc-ev-later', 'nps', { score: 3 }), { signWith: wrongSecret });
    expect([badSignature.status, badSignature.body.code]).toEqual([401, 'EVENTS.SIGNATURE_INVALID']);
    const badType = await post(event('early-type', 'acc-ev-later', 'weather', {}));
    expect(badType.status).toBe(400);
    for (const id of ['early-bad', 'early-sig', 'early-type']) expect(await inboxRows(id)).toEqual([]);

    // cs_ops sees them, newest held first, page by page; a CSM does not.
    const page1 = await stack.request('GET', '/events/held?accountId=acc-ev-later&limit=1', { key: opsKey });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toEqual([
      expect.objectContaining({
        source: 'crm-int',
        eventId: 'early-2',
        accountId: 'acc-ev-later',
        type: 'health_score',
        payload: { score: 35 },
        state: 'held',
        releasedAt: null,
        deliveredAt: null,
      }),
    ]);
    const heldAt = Date.parse(page1.body.items[0].heldAt);
    expect(Date.parse(page1.body.items[0].expiresAt) - heldAt).toBe(
      DEFAULT_POLICY.earlyWarning.heldEvents.holdDays * 86_400_000,
    );
    const page2 = await stack.request(
      'GET',
      `/events/held?accountId=acc-ev-later&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
      { key: opsKey },
    );
    expect([page2.body.items.map((i: { eventId: string }) => i.eventId), page2.body.nextCursor]).toEqual([
      ['early-1'],
      null,
    ]);
    expect((await stack.request('GET', '/events/held', { key: csmKey })).status).toBe(403);
    const badCursor = await stack.request('GET', '/events/held?cursor=bm9wZQ', { key: opsKey });
    expect([badCursor.status, badCursor.body.errors?.[0]?.field]).toEqual([400, 'cursor']);
    expect((await inboxRows('early-1'))[0]?.delivered_at).toBeNull();

    // The launch creates the account: its held events go to the account's workflow, in the order they came.
    const launch = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: {
        account: anAccount('acc-ev-later', { ownerCsmId: 'csm-e', csmManagerId: 'mgr-e' }),
        renewalDate: addDays(localDateAt(new Date(), 'UTC'), 200),
      },
    });
    expect(launch.status).toBe(201);
    const state = await waitUntil(
      async () => {
        const s = await accountState('acc-ev-later').catch(() => undefined);
        return s && s.eventsApplied >= 2 ? s : undefined;
      },
      20_000,
      'the held events applied',
    );
    expect(state.appliedEventIds).toEqual(['crm-int:early-1', 'crm-int:early-2']);
    const risk = await stack.readWhen(
      '/accounts/acc-ev-later/risk',
      csmKey,
      (b) => b.healthTrend?.length > 0,
      'the health reading of the held event',
    );
    expect(risk.healthTrend.map((h: { healthScore: number }) => h.healthScore)).toEqual([35]);
    const alerts = await stack.readWhen(
      '/alerts?accountId=acc-ev-later',
      csmKey,
      (b) => b.items?.some((a: { ruleId: string }) => a.ruleId === 'sponsor_departure'),
      'the alert of the held sponsor departure',
    );
    expect(alerts.items.filter((a: { ruleId: string }) => a.ruleId === 'sponsor_departure')).toHaveLength(1);
    const released = await stack.readWhen(
      '/events/held?accountId=acc-ev-later',
      opsKey,
      (b) => b.items.every((i: { deliveredAt: string | null }) => i.deliveredAt !== null),
      'the released events marked delivered',
    );
    expect(released.items.map((i: { eventId: string; state: string }) => [i.eventId, i.state])).toEqual([
      ['early-2', 'released'],
      ['early-1', 'released'],
    ]);
    expect(released.items[0]).toMatchObject({ expiresAt: null, releasedAt: expect.any(String) });

    // A redelivery (the worker dying between the signal and the mark) is applied once; the integration's retry is a duplicate.
    await stack.db.query(
      `UPDATE inbound_events SET delivered_at = NULL WHERE source = 'crm-int' AND event_id IN ('early-1', 'early-2')`,
    );
    await waitUntil(
      async () =>
        (await inboxRows('early-1'))[0]?.delivered_at && (await inboxRows('early-2'))[0]?.delivered_at
          ? true
          : undefined,
      15_000,
      'the redelivery',
    );
    const retry = await post(health);
    expect(retry.body).toMatchObject({ accepted: 0, held: 0, duplicates: 1 });
    const after = await accountState('acc-ev-later');
    expect([after.eventsApplied, after.appliedEventIds]).toEqual([2, ['crm-int:early-1', 'crm-int:early-2']]);
    const readings = await stack.db.query<Array<{ health_score: string }>>(
      'SELECT health_score FROM account_health_observations WHERE account_id = $1',
      ['acc-ev-later'],
    );
    expect(readings.map((r) => Number(r.health_score))).toEqual([35]);
  }, 90_000);

  it('expires an event held past its lifetime, shows it as expired, and never applies it; a partial account_updated for an unknown account stays refused', async () => {
    expect((await post(event('never-1', 'acc-ev-never', 'nps', { score: 2 }))).body.results[0].status).toBe('held');
    // As if it had come 91 days ago: the relay's sweep expires it (the lifetime is 90 days).
    await stack.db.query(
      `UPDATE inbound_events SET held_at = held_at - interval '91 days' WHERE source = 'crm-int' AND event_id = 'never-1'`,
    );
    const expired = await stack.readWhen(
      '/events/held?state=expired&accountId=acc-ev-never',
      opsKey,
      (b) => b.items.length > 0,
      'the held event expired',
    );
    expect(expired.items).toEqual([
      expect.objectContaining({ eventId: 'never-1', state: 'expired', expiryReason: 'lifetime', expiresAt: null }),
    ]);
    expect(
      (await stack.request('GET', '/events/held?state=held&accountId=acc-ev-never', { key: opsKey })).body.items,
    ).toEqual([]);
    // The account launched afterwards does not bring it back (the launch's transaction releases only events still held).
    const launch = await stack.request('POST', '/renewals', {
      key: opsKey,
      body: {
        account: anAccount('acc-ev-never', { ownerCsmId: 'csm-e', csmManagerId: 'mgr-e' }),
        renewalDate: addDays(localDateAt(new Date(), 'UTC'), 200),
      },
    });
    expect(launch.status).toBe(201);
    expect(
      await stack.db.query(
        `SELECT released_at, delivered_at FROM inbound_events WHERE source = 'crm-int' AND event_id = 'never-1'`,
      ),
    ).toEqual([{ released_at: null, delivered_at: null }]);

    // The CRM's partial change for an account Retain does not know: refused (the account's creation states newer facts).
    const crmKey = await stack.keyFor('integration', 'crm-facts', { scopes: ['signals', 'account_facts'] });
    const crmSecret = (await new SigningSecretStore(stack.db).create('crm-facts')).secret;
    const partial = await post(
      { ...event('facts-1', 'acc-ev-nowhere', 'account_updated', { arrCents: 9_000_000 }), source: 'crm-facts' },
      { key: crmKey, signWith: crmSecret },
    );
    expect([partial.status, partial.body.code, partial.body.errors?.[0]?.field]).toEqual([
      400,
      'VALIDATION.FAILED',
      'accountId',
    ]);
    expect(
      await stack.db.query(`SELECT 1 FROM inbound_events WHERE source = 'crm-facts' AND event_id = 'facts-1'`),
    ).toEqual([]);
  }, 60_000);

  it('routes a 30% usage drop on a $5K SMB account as P2 into the next daily digest at 09:00 local', async () => {
    const day = 86_400_000;
    const dropStart = Date.now() - 14 * day - 2 * 3_600_000;
    const events = [];
    for (let d = -60; d <= 14; d++)
      events.push({
        eventId: `u-${d}`,
        source: 'crm-int',
        accountId: 'acc-ev-smb',
        type: 'usage_snapshot',
        occurredAt: new Date(dropStart + d * day).toISOString(),
        payload: { activeUsers: d < 0 ? 200 : 140 },
      });
    const res = await post({ events });
    expect(res.body).toMatchObject({ accepted: 75, rejected: 0 });
    const alert = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/alerts?accountId=acc-ev-smb', { key: csmKey });
        return r.body?.items?.find((a: { ruleId: string }) => a.ruleId === 'usage_drop');
      },
      20_000,
      'the usage alert',
    );
    expect(alert).toMatchObject({ severity: 'P2', measure: { value: 30 }, saveRequestedFor: null });
    expect(alert.recipients.map((r: { role: string; timing: string }) => [r.role, r.timing])).toEqual([
      ['csm', 'daily_digest'],
    ]);
    const at = new Date(alert.deliverAt);
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'America/Denver',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(at),
    ).toBe('09:00');
    expect(at.getTime()).toBeGreaterThan(Date.parse(alert.triggeredAt));
    expect(at.getTime() - Date.parse(alert.triggeredAt)).toBeLessThanOrEqual(day);
    const outbox = await stack.db.query<Array<{ deliver_after: Date; delivered_at: Date | null }>>(
      'SELECT deliver_after, delivered_at FROM notifications WHERE key = $1',
      [alert.notificationKey],
    );
    expect(outbox).toEqual([{ deliver_after: at, delivered_at: null }]);
  }, 60_000);

  it("keeps planned suppression windows, shows the account's risk, and reads the alert catalogue", async () => {
    const path = '/accounts/acc-ev-1/suppressions';
    const bad = await stack.request('POST', path, {
      key: csmKey,
      body: { from: '2027-08-31', to: '2027-08-01', reason: 'x' },
    });
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'to']);
    expect(
      (
        await stack.request('POST', path, {
          key: csmKey,
          body: { from: '2027-08-01', to: '2027-08-31', groups: ['weather'], reason: 'x' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await stack.request('POST', path, {
          key: otherCsmKey,
          body: { from: '2027-08-01', to: '2027-08-31', reason: 'Summer' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await stack.request('POST', '/accounts/acc-nobody/suppressions', {
          key: csmKey,
          body: { from: '2027-08-01', to: '2027-08-31', reason: 'Summer' },
        })
      ).status,
    ).toBe(404);
    const ok = await stack.request('POST', path, {
      key: csmKey,
      body: { from: '2027-08-01', to: '2027-08-31', groups: ['usage'], reason: 'Summer shutdown' },
      headers: { 'idempotency-key': 'summer-27' },
    });
    expect(ok.status).toBe(201);
    await stack.request('POST', path, {
      key: csmKey,
      body: { from: '2027-08-01', to: '2027-08-31', groups: ['usage'], reason: 'Summer shutdown' },
      headers: { 'idempotency-key': 'summer-27' },
    });
    const risk = await waitUntil(
      async () => {
        const r = await stack.request('GET', '/accounts/acc-ev-1/risk', { key: csmKey });
        return r.body?.suppressions?.length ? r.body : undefined;
      },
      15_000,
      'the suppression on the account',
    );
    expect(risk.suppressions).toEqual([
      expect.objectContaining({ id: 'csm-e:summer-27', groups: ['usage'], reason: 'Summer shutdown' }),
    ]);
    expect(risk.healthTrend.map((h: { healthScore: number }) => h.healthScore)).toEqual([42, 77]);
    expect(risk.signals).toMatchObject({ health: { score: 77 } });
    expect(risk.activeRenewals).toEqual([expect.objectContaining({ id: expect.stringMatching(/^renewal:acc-ev-1:/) })]);
    expect((await stack.request('GET', '/accounts/acc-ev-1/risk', { key: otherCsmKey })).status).toBe(403);

    // Ending the window early: not by another CSM, once, then 404.
    const windowPath = `${path}/${encodeURIComponent('csm-e:summer-27')}`;
    expect((await stack.request('DELETE', windowPath, { key: otherCsmKey })).status).toBe(403);
    const removed = await stack.request('DELETE', windowPath, {
      key: csmKey,
      headers: { 'idempotency-key': 'end-summer-27' },
    });
    expect([removed.status, removed.body]).toEqual([
      200,
      expect.objectContaining({ id: 'csm-e:summer-27', removedBy: 'csm-e' }),
    ]);
    // The same request again (a retry) gets the same answer; a new request finds nothing.
    expect(
      (await stack.request('DELETE', windowPath, { key: csmKey, headers: { 'idempotency-key': 'end-summer-27' } }))
        .status,
    ).toBe(200);
    const gone = await stack.request('DELETE', windowPath, { key: csmKey });
    expect([gone.status, gone.headers.get('content-type'), gone.body.code]).toEqual([
      404,
      expect.stringMatching(PROBLEM_JSON),
      'ACCOUNT.SUPPRESSION_NOT_FOUND',
    ]);
    expect((await stack.request('DELETE', `${path}/nothing-here`, { key: csmKey })).status).toBe(404);
    expect((await stack.request('GET', '/accounts/acc-ev-1/risk', { key: csmKey })).body.suppressions).toEqual([]);

    const catalogue = await stack.request('GET', '/alerts/catalogue', { key: csmKey });
    expect(catalogue.status).toBe(200);
    expect(catalogue.body.rules.length).toBeGreaterThanOrEqual(30);
    expect(catalogue.body.rules.find((r: { id: string }) => r.id === 'sponsor_departure')).toEqual(
      expect.objectContaining({
        name: expect.any(String),
        triggerCondition: expect.any(String),
        dataSource: expect.any(String),
        threshold: expect.any(String),
        severity: expect.stringMatching(/^P[0-3]$/),
        assigneeRole: expect.any(String),
        escalation: expect.any(String),
        responseSla: expect.any(String),
        firstActions: expect.any(Array),
      }),
    );
  }, 60_000);
});
