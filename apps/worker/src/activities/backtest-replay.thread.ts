/**
 * One thread of the back-test's replay pool (backtest-replay-pool.ts): it keeps the
 * jobs (policies, period, now) it is told of and answers each chunk of account
 * histories with the tally of that chunk, replayed by the domain's own
 * addAccountToTally. It holds nothing of an account between chunks.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { addAccountToTally, emptyTally } from '@retain/domain';
import type { ReplayJob, ThreadAnswer, ThreadRequest } from './backtest-replay-pool';

const port = parentPort;
if (!port) throw new Error('backtest-replay.thread runs as a worker thread of BacktestReplayPool');

const jobs = new Map<number, ReplayJob>();

function answer(a: ThreadAnswer): void {
  port!.postMessage(a);
}

port.on('message', (m: ThreadRequest) => {
  if (m.kind === 'job') {
    jobs.set(m.jobId, m.job);
    return;
  }
  if (m.kind === 'end') {
    jobs.delete(m.jobId);
    return;
  }
  if (m.kind === 'heap') {
    // A full collection first, so the figure is the memory still reachable (the bench's flat-heap check).
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
    answer({ kind: 'heap', heapUsed: process.memoryUsage().heapUsed });
    return;
  }
  const job = jobs.get(m.jobId);
  try {
    if (!job) throw new Error(`no job ${m.jobId} in this thread`);
    const tally = emptyTally();
    for (const history of m.histories) addAccountToTally(tally, history, job.policies, job.period, job.now);
    answer({ kind: 'tally', chunk: m.chunk, tally });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    answer({ kind: 'failed', chunk: m.chunk, message: e.message, stack: e.stack ?? e.message });
  }
});
