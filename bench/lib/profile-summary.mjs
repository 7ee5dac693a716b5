// Where the CPU time of a .cpuprofile went: self time by origin (package, the workflow
// bundle, Node internals, GC) and the busiest functions.
// Several files (the threads of one process) are added up.
//   node bench/lib/profile-summary.mjs FILE.cpuprofile|FILE.heapprofile... [--top N]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { json } from './measure.mjs';

/**
 * @typedef {{ id: number, hitCount?: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], startTime: number, endTime: number, samples?: number[], timeDeltas?: number[] }} CpuProfile
 */

/** @param {string} url */
function origin(url) {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (url.includes('workflow-bundle')) return 'workflow bundle (workflows/ + libs/domain)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/dist/')) return `dist/${url.split('/dist/')[1]?.split('/').slice(0, 2).join('/')}`;
  return url;
}

/**
 * @param {string[]} files @param {number} [top]
 * @returns {string} a few lines: total, by origin, busiest functions (shares of busy time)
 */
export function summarize(files, top = 12) {
  /** @type {Map<string, number>} */
  const byOrigin = new Map();
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  let total = 0;
  for (const file of files) {
    const profile = /** @type {CpuProfile} */ (json(readFileSync(file, 'utf8')));
    /** @type {Map<number, number>} node id -> self microseconds */
    const self = new Map();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const id = /** @type {number} */ (samples[i]);
      self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
    }
    for (const n of profile.nodes) {
      const us = self.get(n.id) ?? 0;
      if (!us) continue;
      total += us;
      const name = n.callFrame.functionName || '(anonymous)';
      const o = name.startsWith('(') && name !== '(anonymous)' ? name : origin(n.callFrame.url);
      byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
      const key =
        `${name} ${n.callFrame.url ? `${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
  }
  const idle = byOrigin.get('(idle)') ?? 0;
  byOrigin.delete('(idle)');
  const busy = total - idle;
  const pct = (/** @type {number} */ us) => `${((100 * us) / busy).toFixed(1)}%`;
  const lines = [
    `cpu profile (${files.length} thread${files.length === 1 ? '' : 's'}): ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s sampled; shares of the busy time`,
  ];
  lines.push('  self time by origin:');
  for (const [o, us] of [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`    ${pct(us).padStart(6)}  ${o}`);
  lines.push('  busiest functions (self time):');
  for (const [f, us] of [...byFunction]
    .filter(([f]) => !f.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    lines.push(`    ${pct(us).padStart(6)}  ${f}`);
  return lines.join('\n');
}

/**
 * @typedef {{ callFrame: { functionName: string, url: string, lineNumber: number }, selfSize: number, children?: HeapNode[] }} HeapNode
 */

/**
 * Live memory of sampled allocations (.heapprofile files of the sampling heap profiler),
 * by origin and by allocating function.
 * @param {string[]} files @param {number} [top]
 */
export function summarizeHeap(files, top = 12) {
  /** @type {Map<string, number>} */
  const byOrigin = new Map();
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  let total = 0;
  for (const file of files) {
    const profile = /** @type {{ head: HeapNode }} */ (json(readFileSync(file, 'utf8')));
    /** @type {HeapNode[]} */
    const stack = [profile.head];
    for (let n = stack.pop(); n; n = stack.pop()) {
      stack.push(...(n.children ?? []));
      if (!n.selfSize) continue;
      total += n.selfSize;
      const name = n.callFrame.functionName || '(anonymous)';
      const o = name.startsWith('(') && name !== '(anonymous)' ? name : origin(n.callFrame.url);
      byOrigin.set(o, (byOrigin.get(o) ?? 0) + n.selfSize);
      const key =
        `${name} ${n.callFrame.url ? `${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
    }
  }
  const mb = (/** @type {number} */ b) => `${(b / 2 ** 20).toFixed(1)} MB`;
  const lines = [
    `heap profile (${files.length} thread${files.length === 1 ? '' : 's'}): ${mb(total)} allocated in the window and still alive`,
  ];
  lines.push('  by origin:');
  for (const [o, b] of [...byOrigin].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`    ${mb(b).padStart(9)}  ${o}`);
  lines.push('  by allocating function:');
  for (const [f, b] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`    ${mb(b).padStart(9)}  ${f}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--top');
  const top = at >= 0 ? Number(args.splice(at, 2)[1]) : 12;
  if (args.length === 0) {
    process.stderr.write('usage: node bench/lib/profile-summary.mjs FILE.cpuprofile... [--top N]\n');
    process.exit(2);
  }
  const cpu = args.filter((f) => f.endsWith('.cpuprofile'));
  const heap = args.filter((f) => f.endsWith('.heapprofile'));
  if (cpu.length) process.stdout.write(`${summarize(cpu, top)}\n`);
  if (heap.length) process.stdout.write(`${summarizeHeap(heap, top)}\n`);
}
