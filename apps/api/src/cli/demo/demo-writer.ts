/**
 * Writes a demo book (demo-book.ts) into a Retain deployment:
 *
 * - the people through ApiKeyStore (a key each, as `npm run keys` issues them; the
 *   director's key is handed back to look at the metrics) and the integration's
 *   signing secret;
 * - the history through the worker's own read-model activities (the account facts as
 *   cs_ops states them, then each renewal, save, alert and health reading exactly as
 *   the workflows' activities write them, with their tasks, audit trails and audit
 *   acts), so every view renders them as it renders a real workflow's rows; and its
 *   integration events (the year's signals and every account's weekly usage snapshots)
 *   into the inbox as delivered, the recorded history a back-test replays;
 * - the next twelve months as real renewal workflows, launched through the api
 *   (`POST /renewals/batch` with a cs_ops key, like the CSV import) and classified by
 *   their health events, posted signed to `POST /events` as the integration.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '@retain/config';
import {
  assertAccountFacts,
  countReadModelRejections,
  insertDeliveredHistoryEvents,
  recordHealthObservation,
  renewalCategories,
} from '@retain/persistence';
import { renewalWorkflowId } from '@retain/workflows';
import { AccountRiskReadModelActivities } from '../../../../worker/src/activities/account-risk.activities';
import { RenewalReadModelActivities } from '../../../../worker/src/activities/renewal-read-model.activities';
import { SaveEffortReadModelActivities } from '../../../../worker/src/activities/save-effort.activities';
import { ApiKeyStore } from '../../auth/api-key-store';
import { SigningSecretStore } from '../../events/signing-secrets';
import { DEMO_SOURCE, demoBookCounts, type DemoBook } from './demo-book';
import { usageEvents } from './demo-usage';

export interface DemoTarget {
  dataSource: DataSource;
  /** The configuration the worker runs with (its policy times the alerts' notifications). */
  config: AppConfig;
  /** The running api and a cs_ops key for it. */
  api: { baseUrl: string; apiKey: string };
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
  /** How long to wait for the upcoming renewals to be launched and classified (default 3 minutes). */
  waitMs?: number;
}

export interface DemoWriteSummary {
  written: Record<string, number>;
  upcoming: {
    launched: number;
    alreadyRunning: number;
    rejected: Array<{ accountId: string; reason: string }>;
    /** The upcoming renewals by the category they have now (`unclassified` while their events are on their way). */
    categories: Record<string, number>;
  };
  /** The director's key, to look at the metrics (shown once). */
  directorKey: string;
  directorId: string;
}

const ACTOR = { id: 'cli:demo', role: null };

async function post(api: DemoTarget['api'], path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.baseUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const p = (parsed ?? {}) as { detail?: string; title?: string };
    throw new Error(`${path}: the api answered ${res.status}: ${p.detail ?? p.title ?? res.statusText}`);
  }
  return parsed;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The book's history (the people aside, and the upcoming renewals): the account facts,
 * health readings, renewals, saves and alerts through the workflows' own activities, and
 * the recorded events into the inbox, delivered. Fails when the database refused a write.
 */
export async function writeDemoHistory(
  book: DemoBook,
  db: DataSource,
  config: AppConfig,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const rejectionsBefore = await countReadModelRejections(db);
  // Through the activities the workflows write with.
  const asOf = new Date(book.now);
  for (const a of book.accounts) await assertAccountFacts(db, a, asOf);
  for (let i = 0; i < book.healthObservations.length; i += 500) {
    const chunk = book.healthObservations.slice(i, i + 500);
    await db.transaction(async (em) => {
      for (const o of chunk) await recordHealthObservation(em, o);
    });
  }
  const renewals = new RenewalReadModelActivities(db);
  const saves = new SaveEffortReadModelActivities(db, renewals);
  const alerts = new AccountRiskReadModelActivities(db, config);
  for (const r of book.renewals) await renewals.recordRenewalState(r);
  for (const s of book.saves) await saves.recordSaveState(s);
  for (const a of book.alerts) await alerts.recordAlert(a);
  const recorded = await writeHistoryEvents(db, book);
  log(`recorded events: ${recorded} (usage snapshots and the year's signals)`);
  const refused = (await countReadModelRejections(db)) - rejectionsBefore;
  if (refused > 0) throw new Error(`the database refused ${refused} of the book's writes (see read_model_rejections)`);
  log(
    `history: ${book.accounts.length} accounts, ${book.renewals.length} renewals, ${book.saves.length} saves, ${book.alerts.length} alerts, ${book.healthObservations.length} health readings`,
  );
}

/** The book's integration events into the inbox, delivered (usage_snapshot events, then the year's others), 2,000 a statement. */
async function writeHistoryEvents(db: DataSource, book: DemoBook): Promise<number> {
  let written = 0;
  let batch: Array<{ eventId: string; accountId: string; type: string; occurredAt: string; payload: unknown }> = [];
  const flush = async () => {
    written += await insertDeliveredHistoryEvents(db, DEMO_SOURCE, 'demo-history', batch);
    batch = [];
  };
  for (const u of book.usage) {
    for (const e of usageEvents(u)) {
      // The pattern's ids are `<source>:<account>:<date>`: the inbox keeps the source apart.
      batch.push({ ...e, eventId: e.eventId.slice(`${e.source}:`.length), accountId: u.accountId });
      if (batch.length >= 2000) await flush();
    }
  }
  for (const e of book.historyEvents) {
    batch.push({
      eventId: e.id,
      accountId: e.accountId,
      type: e.type,
      occurredAt: new Date(e.at).toISOString(),
      payload: e.payload,
    });
    if (batch.length >= 2000) await flush();
  }
  await flush();
  return written;
}

/** Writes `book` (see the file's header); refuses nothing itself: the caller checks the database is fresh. */
export async function writeDemoBook(book: DemoBook, target: DemoTarget): Promise<DemoWriteSummary> {
  const { dataSource: db, config, api } = target;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const log = (line: string) => target.log?.(`${line} (${elapsed()})`);

  // The people, managers before their reports (the book lists them so).
  const keys = new ApiKeyStore(db);
  let directorKey = '';
  let integrationKey = '';
  for (const p of book.principals) {
    const issued = await keys.issue(
      {
        id: p.id,
        displayName: p.displayName,
        role: p.role,
        managerId: p.managerId,
        ...(p.email ? { email: p.email } : {}),
        ...(p.timeZone ? { timeZone: p.timeZone } : {}),
        ...(p.role === 'integration' ? { scopes: ['signals'] as const } : {}),
      },
      'npm run demo',
      { actor: ACTOR },
    );
    if (p.id === book.directorId) directorKey = issued.key;
    if (p.id === book.integrationId) integrationKey = issued.key;
  }
  const secret = (await new SigningSecretStore(db).create(book.integrationId)).secret;
  log(`people: ${book.principals.length}`);

  await writeDemoHistory(book, db, config, log);

  // The next twelve months: real renewal workflows, launched as cs_ops launches them.
  const summary: DemoWriteSummary['upcoming'] = { launched: 0, alreadyRunning: 0, rejected: [], categories: {} };
  const launched: string[] = [];
  for (let i = 0; i < book.upcoming.length; i += 1000) {
    const chunk = book.upcoming.slice(i, i + 1000);
    const body = (await post(api, '/renewals/batch', JSON.stringify({ items: chunk.map((u) => u.launch) }), {
      authorization: `Bearer ${api.apiKey}`,
    })) as { items: Array<{ index: number; status: string; id?: string; detail?: string }> };
    for (const item of body.items) {
      const u = chunk[item.index]!;
      if (item.status === 'created') summary.launched += 1;
      else if (item.status === 'already_running') summary.alreadyRunning += 1;
      else {
        summary.rejected.push({ accountId: u.accountId, reason: item.detail ?? 'rejected' });
        continue;
      }
      launched.push(renewalWorkflowId(u.accountId, u.renewalDate));
    }
  }
  log(
    `upcoming: launched ${summary.launched}, already running ${summary.alreadyRunning}, rejected ${summary.rejected.length}`,
  );

  // Their health reaches them from the early warning: wait until each has its read-model row (its open renewal).
  const deadline = Date.now() + (target.waitMs ?? 180_000);
  const wait = async (done: (categories: Map<string, string | null>) => boolean) => {
    for (;;) {
      const categories = await renewalCategories(db, launched);
      if (done(categories) || Date.now() > deadline) return categories;
      await sleep(500);
    }
  };
  await wait((c) => c.size === launched.length);
  const launchedSet = new Set(launched);
  const events = book.upcoming
    .filter((u) => launchedSet.has(renewalWorkflowId(u.accountId, u.renewalDate)))
    .flatMap((u) => u.events.map((e) => ({ accountId: u.accountId, ...e })));
  const sentAt = Date.now() - 60_000;
  for (let i = 0; i < events.length; i += 500) {
    const rawBody = JSON.stringify({
      events: events.slice(i, i + 500).map((e, j) => ({
        eventId: e.id,
        source: book.integrationId,
        accountId: e.accountId,
        type: e.type,
        // In order, a millisecond apart: the account's workflow applies them as they came.
        occurredAt: new Date(sentAt + i + j).toISOString(),
        payload: e.payload,
      })),
    });
    const msgId = `msg_${randomUUID()}`;
    const at = new Date();
    await post(api, '/events', rawBody, {
      authorization: `Bearer ${integrationKey}`,
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(msgId, at, rawBody),
    });
  }
  log(`health events: ${events.length} posted`);
  const categories = await wait((c) => [...c.values()].every((x) => x !== null));
  log('upcoming renewals classified');
  for (const id of launched) {
    const c = categories.get(id) ?? 'unclassified';
    summary.categories[c] = (summary.categories[c] ?? 0) + 1;
  }
  return { written: demoBookCounts(book), upcoming: summary, directorKey, directorId: book.directorId };
}
