// `npm run bench` runs every benchmark; `npm run bench -- bulk-launch live-status` the
// ones named; `--smoke` (or BENCH_SMOKE=1) with tiny sizes, to check that they run.
// Builds dist/ when needed, starts one throw-away stack (see lib/stack.mjs) that the
// benchmarks share, prints one line of figures per benchmark on stdout (progress goes
// to stderr), and stops everything it started.
//   exit 0: every benchmark ran (a missed target is reported in its line, not an error)
//   exit 1: a benchmark failed, or a correctness check in it did (e.g. an event applied twice)
//   --strict: also exit 1 when a full-size run misses a target
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { repoRoot } from '../scripts/lib/common.mjs';
import { SMOKE } from './lib/measure.mjs';

const NAMES = [
  'bulk-launch',
  'event-ingestion',
  'managers-list',
  'worker-memory',
  'live-status',
  'hostile-bodies',
  'metrics',
  'policy-lab',
  'scaling',
  // Last: it leaves 100,000 accounts and 200,000 open workflows behind.
  'book-launch',
];

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const strict = process.argv.includes('--strict');
const unknown = args.filter((a) => !NAMES.includes(a));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; there are: ${NAMES.join(', ')}\n`);
  process.exit(2);
}

const started = Date.now();
const loadAtStart = loadavg()[0] ?? 0;
const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-needed', '--quiet'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(1);
// Imported after the build: the benchmarks load the compiled domain library from dist/.
const { BenchStack, say } = await import('./lib/stack.mjs');
/** @type {Array<{ name: string, run: (stack: import('./lib/stack.mjs').BenchStack) => Promise<string> }>} */
const ALL = await Promise.all(NAMES.map((n) => import(`./${n}.mjs`)));
const selected = args.length ? ALL.filter((b) => args.includes(b.name)) : ALL;

let stack = /** @type {import('./lib/stack.mjs').BenchStack | undefined} */ (undefined);
let stopping = false;
/** @param {number} code */
async function stopAndExit(code) {
  if (stopping) return;
  stopping = true;
  if (stack) {
    say('stopping the stack');
    await stack.stop();
  }
  const c = cpus();
  process.stdout.write(
    `machine: ${c.length} x ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}; ` +
      `load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end; ${((Date.now() - started) / 1000).toFixed(0)} s${SMOKE ? ' (smoke sizes)' : ''}\n`,
  );
  process.exit(code);
}
process.on('SIGINT', () => void stopAndExit(130));
process.on('SIGTERM', () => void stopAndExit(143));

let failed = 0;
let missed = 0;
try {
  stack = await BenchStack.start();
  for (const b of selected) {
    const t0 = Date.now();
    say(`${b.name}: starting`);
    try {
      const line = await b.run(stack);
      process.stdout.write(`${line}\n`);
      if (line.includes('MISSED')) missed += 1;
      say(`${b.name}: took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed += 1;
      process.stdout.write(
        `${b.name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
  }
} catch (error) {
  failed += 1;
  process.stdout.write(
    `bench: FAILED to start the stack: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}
await stopAndExit(failed > 0 || (strict && !SMOKE && missed > 0) ? 1 : 0);
