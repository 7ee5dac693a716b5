/**
 * `npm run cli -- backtest --policy FILE --from DATE --to DATE [--sweep path=20..50:5]`:
 * back-tests the policy file's settings over the recorded history (apps/api/src/cli/backtest.ts).
 *
 * `npm run cli -- renewals import FILE.csv`: launches the renewals in a CSV file through
 * the api (RETAIN_API_URL, default http://127.0.0.1:3000; RETAIN_API_KEY, a cs_ops key).
 * Prints a progress bar, then a summary: launched, already running, and each rejected
 * row with its number and reason. Exits 1 when any row was rejected, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import {
  BACKTEST_USAGE,
  backtestProgressLine,
  backtestTables,
  cancelBacktest,
  parseBacktestArgs,
  runBacktest,
} from './backtest';
import { CsvFormatError, importRenewals, parseRenewalCsv, progressLine } from './renewal-import';

const USAGE = `usage: npm run cli -- renewals import FILE.csv   (env: RETAIN_API_KEY, RETAIN_API_URL)\n${BACKTEST_USAGE}`;

async function backtest(argv: string[], apiKey: string): Promise<number> {
  const args = parseBacktestArgs(argv);
  if ('problem' in args) {
    console.error(`${args.problem}\n${BACKTEST_USAGE}`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  const api = { baseUrl: process.env.RETAIN_API_URL ?? 'http://127.0.0.1:3000', apiKey };
  let last = '';
  // Ctrl-C once asks the back-test to stop (it ends cancelled, and the poll sees it); twice quits.
  let backtestId: string | undefined;
  process.on('SIGINT', () => {
    if (!backtestId) process.exit(130);
    const id = backtestId;
    backtestId = undefined;
    process.stderr.write(`\ncancelling ${id} (Ctrl-C again to quit)\n`);
    cancelBacktest(api, id).catch((error: unknown) =>
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  const answer = await runBacktest(
    args,
    api,
    (a) => {
      const line = `${backtestProgressLine(a.progress.accountsDone, a.progress.accountsTotal, a.progress.eventsRead)} ${a.status}`;
      if (line === last) return;
      last = line;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    1000,
    (id) => {
      backtestId = id;
    },
  );
  if (tty) process.stderr.write('\n');
  if (answer.status !== 'done' || !answer.report) {
    console.error(`back-test ${answer.id} ${answer.status}${answer.error ? `: ${answer.error}` : ''}`);
    return 1;
  }
  process.stdout.write(backtestTables(answer.report));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [group, command, file] = argv;
  const apiKey = process.env.RETAIN_API_KEY;
  if (group === 'backtest') {
    if (!apiKey) {
      console.error('RETAIN_API_KEY is not set: use a director, vp or cs_ops key (npm start prints a cs_ops one)');
      return 2;
    }
    return backtest(argv.slice(1), apiKey);
  }
  if (group !== 'renewals' || command !== 'import' || !file) {
    console.error(USAGE);
    return 2;
  }
  if (!apiKey) {
    console.error('RETAIN_API_KEY is not set: use a cs_ops key (npm start prints one)');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseRenewalCsv(text);
  } catch (error) {
    if (error instanceof CsvFormatError) {
      console.error(`${file}: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const tty = process.stderr.isTTY;
  const summary = await importRenewals(
    parsed,
    { baseUrl: process.env.RETAIN_API_URL ?? 'http://127.0.0.1:3000', apiKey },
    (done, total) => {
      process.stderr.write(tty ? `\r${progressLine(done, total)}` : `${progressLine(done, total)}\n`);
    },
  );
  if (tty) process.stderr.write('\n');
  console.log(
    `launched: ${summary.launched}, already running: ${summary.alreadyRunning}, rejected: ${summary.rejected.length}`,
  );
  for (const r of summary.rejected) console.log(`  row ${r.row}: ${r.reason}`);
  if (summary.earlyWarningNotOpened.length) {
    console.log(`early warning not opened (import the file again to open it): ${summary.earlyWarningNotOpened.length}`);
    for (const r of summary.earlyWarningNotOpened) console.log(`  row ${r.row}: ${r.reason}`);
  }
  return summary.rejected.length > 0 || summary.earlyWarningNotOpened.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
