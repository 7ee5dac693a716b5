/**
 * `npm run demo -- [--accounts 200] [--seed 1] [--churn-usage-drops 30:0.85,40:0.60] [--force]`:
 * fills a fresh database with a seeded, realistic year of history for that many accounts
 * (apps/api/src/cli/demo/), and launches their next terms as real renewal workflows
 * through the running api, so the metrics, the forecast and the views have something to
 * show. The year's events, with every account's weekly usage snapshots, are the recorded
 * history a back-test replays; the churners' usage decays before their churn at the
 * rates given (known ground truth, demo/demo-usage.ts). The same seed on the same day
 * gives the same book.
 *   DATABASE_URL   the database (npm run demo: the local one `npm start` runs)
 *   RETAIN_API_URL the api (default http://127.0.0.1:3000)
 *   RETAIN_API_KEY a cs_ops key (npm start prints one)
 * Refuses a database that already has renewals unless --force. Prints what it wrote and
 * a key for the demo's director. Exit 2 on usage errors, 1 when something failed.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '@retain/config';
import { anyRenewal, createDataSource } from '@retain/persistence';
import { demoBookCounts, generateDemoBook, type DemoBook } from './demo/demo-book';
import { DEFAULT_CHURN_USAGE_DROPS, parseChurnUsageDrops, type ChurnUsageDrop } from './demo/demo-usage';
import { writeDemoBook, type DemoWriteSummary } from './demo/demo-writer';

const USAGE = `usage: npm run demo -- [--accounts N] [--seed S] [--churn-usage-drops PCT:SHARE,...] [--force]
  --accounts           how many accounts (default 200, at most 100000)
  --seed               the seed of the book (default 1): the same seed on the same day gives the same book
  --churn-usage-drops  the churners' usage decay, e.g. 30:0.85,40:0.60 (the default): 85% of the churners
                       drop at least 30% in active users before their churn, sustained, 60% at least 40%
  --force              write into a database that already has renewals
env: RETAIN_API_KEY (a cs_ops key: npm start prints one), RETAIN_API_URL (default http://127.0.0.1:3000)`;

class UsageError extends Error {}

const DAY = 86_400_000;

function wholeNumber(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return Number(value);
}

function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

function report(book: DemoBook, written: DemoWriteSummary, seconds: number, baseUrl: string): string {
  const line = (label: string, value: string) => `  ${label.padEnd(18)}${value}`;
  const u = written.upcoming;
  return [
    `demo book (seed ${book.seed}, ${book.accounts.length} accounts, as of ${book.now.slice(0, 10)}):`,
    line('people', String(book.principals.length)),
    line('accounts', String(book.accounts.length)),
    line('renewals decided', `${book.renewals.length} (${tally(book.renewals.map((r) => r.decision!.outcome))})`),
    line('saves', `${book.saves.length} (${tally(book.saves.map((s) => s.status))})`),
    line('alerts', `${book.alerts.length} (${tally(book.alerts.map((a) => a.severity).sort())})`),
    line('health readings', String(book.healthObservations.length)),
    line(
      'recorded events',
      `${demoBookCounts(book).usageSnapshots} usage snapshots, ${book.historyEvents.length} other`,
    ),
    line('planted usage', plantedLine(book)),
    line(
      'upcoming renewals',
      `${u.launched} launched${u.alreadyRunning ? `, ${u.alreadyRunning} already running` : ''}${u.rejected.length ? `, ${u.rejected.length} rejected` : ''} (${Object.entries(
        u.categories,
      )
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    ),
    ...u.rejected.map((r) => `    ${r.accountId}: ${r.reason}`),
    `done in ${seconds.toFixed(1)} s`,
    '',
    `Look at the metrics as the demo's director (${written.directorId}); the key is shown once:`,
    '',
    `  ${written.directorKey}`,
    '',
    `  curl -H "Authorization: Bearer ${written.directorKey}" ${baseUrl}/renewals`,
  ].join('\n');
}

function plantedLine(book: DemoBook): string {
  const t = book.usageGroundTruth;
  const reaching = (pct: number) => t.bands.filter((b) => b.fromPct >= pct).reduce((n, b) => n + b.churners, 0);
  const shares = t.drops.map(
    (d) =>
      `${reaching(d.atLeastPct)} (${((100 * reaching(d.atLeastPct)) / Math.max(1, t.churners)).toFixed(1)}%) drop ${d.atLeastPct}%+`,
  );
  return `${t.churners} churners: ${shares.join(', ')}${t.unplantable ? `; ${t.unplantable} without a place for a drop in time` : ''}`;
}

function churnUsageDrops(value: string | undefined): ChurnUsageDrop[] {
  if (value === undefined) return [...DEFAULT_CHURN_USAGE_DROPS];
  const parsed = parseChurnUsageDrops(value);
  if ('problem' in parsed) throw new UsageError(`--churn-usage-drops: ${parsed.problem}`);
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  let values: { accounts?: string; seed?: string; force?: boolean; 'churn-usage-drops'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        accounts: { type: 'string' },
        seed: { type: 'string' },
        force: { type: 'boolean' },
        'churn-usage-drops': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const accounts = wholeNumber(values.accounts, 'accounts', 200, 100_000);
  const seed = wholeNumber(values.seed, 'seed', 1, 999_999_999);
  const drops = churnUsageDrops(values['churn-usage-drops']);
  const apiKey = process.env.RETAIN_API_KEY;
  if (!apiKey) throw new UsageError('RETAIN_API_KEY is not set: use a cs_ops key (npm start prints one)');
  const baseUrl = process.env.RETAIN_API_URL ?? 'http://127.0.0.1:3000';
  const started = Date.now();
  const config = loadConfig();
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    if (!values.force && (await anyRenewal(dataSource)))
      throw new UsageError(
        'the database already has renewals: the demo book is for a fresh one (--force writes anyway)',
      );
    // The book's present is the start of today (UTC): the same seed gives the same book all day.
    const book = generateDemoBook({
      seed,
      accounts,
      now: new Date(Math.floor(started / DAY) * DAY),
      policy: config.policy,
      churnUsageDrops: drops,
    });
    const written = await writeDemoBook(book, {
      dataSource,
      config,
      api: { baseUrl, apiKey },
      log: (l) => process.stderr.write(`${l}\n`),
    });
    console.log(report(book, written, (Date.now() - started) / 1000, baseUrl));
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    if (error instanceof UsageError) console.error(`\n${USAGE}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
