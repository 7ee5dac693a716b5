/**
 * `npm run cli -- backtest --policy FILE --from DATE --to DATE [--sweep path=20..50:5]`
 * (docs/policy-lab.md, "Interfaces"): posts a back-test of the policy file's settings
 * (JSON, or YAML for .yaml/.yml: overrides on the policy in force, as RETAIN_POLICY_FILE
 * holds them) to the api, follows it with a progress bar, and prints the report as tables.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { BacktestFigures, BacktestReport } from '@retain/domain';

export interface BacktestArgs {
  policy?: string;
  from: string;
  to: string;
  sweep?: string;
}

export const BACKTEST_USAGE =
  'usage: npm run cli -- backtest [--policy FILE] --from YYYY-MM-DD --to YYYY-MM-DD [--sweep path=from..to:step]   (env: RETAIN_API_KEY, RETAIN_API_URL)';

/** The verb's arguments, or a problem in words. */
export function parseBacktestArgs(argv: readonly string[]): BacktestArgs | { problem: string } {
  const out: Partial<BacktestArgs> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { problem: `${flag} needs a value` };
    if (flag === '--policy') out.policy = value;
    else if (flag === '--from') out.from = value;
    else if (flag === '--to') out.to = value;
    else if (flag === '--sweep') out.sweep = value;
    else return { problem: `unknown option ${flag}` };
  }
  if (!out.from || !out.to) return { problem: '--from and --to are required' };
  return out as BacktestArgs;
}

/** The policy file's settings (JSON, or YAML for .yaml/.yml). */
export function readPolicyFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const value: unknown = /^\.ya?ml$/i.test(extname(path)) ? parseYaml(text) : JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: must hold an object of policy settings`);
  return value as Record<string, unknown>;
}

interface Api {
  baseUrl: string;
  apiKey: string;
}

interface BacktestAnswer {
  id: string;
  status: string;
  progress: { accountsDone: number; accountsTotal: number | null; eventsRead: number };
  report: BacktestReport | null;
  error: string | null;
}

async function call<T>(api: Api, method: string, path: string, body?: unknown): Promise<T> {
  const url = `${api.baseUrl.replace(/\/$/, '')}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${api.apiKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach the api at ${api.baseUrl} (${error instanceof Error ? error.message : String(error)})`,
    );
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as {
      detail?: string;
      title?: string;
      errors?: Array<{ field: string; message: string }>;
    };
    const fields = problem.errors?.map((e) => `\n  ${e.field}: ${e.message}`).join('') ?? '';
    throw new Error(`the api answered ${res.status}: ${problem.detail ?? problem.title ?? res.statusText}${fields}`);
  }
  return (await res.json()) as T;
}

/** `[#####.....] 1,250/5,000 accounts, 187,500 events`. */
export function backtestProgressLine(done: number, total: number | null, events: number, width = 30): string {
  const share = !total ? 0 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  const n = (x: number) => x.toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n(done)}/${total === null ? '?' : n(total)} accounts, ${n(events)} events`;
}

/** Asks the api to stop the back-test after the page in hand. */
export async function cancelBacktest(api: Api, id: string): Promise<void> {
  await call(api, 'POST', `/policy/backtests/${encodeURIComponent(id)}/cancel`, {
    reason: 'interrupted at the terminal',
  });
}

/**
 * Posts the back-test and polls it until it ends; `onStarted` with its id once posted,
 * `onProgress` after each poll. Returns its last answer.
 */
export async function runBacktest(
  args: BacktestArgs,
  api: Api,
  onProgress: (a: BacktestAnswer) => void,
  pollMs = 1000,
  onStarted: (id: string) => void = () => undefined,
): Promise<BacktestAnswer> {
  const body = {
    from: args.from,
    to: args.to,
    ...(args.policy ? { candidate: readPolicyFile(args.policy) } : {}),
    ...(args.sweep ? { sweep: args.sweep } : {}),
  };
  const started = await call<{ id: string }>(api, 'POST', '/policy/backtests', body);
  onStarted(started.id);
  for (;;) {
    const a = await call<BacktestAnswer>(api, 'GET', `/policy/backtests/${encodeURIComponent(started.id)}`);
    onProgress(a);
    if (['done', 'failed', 'cancelled'].includes(a.status)) return a;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const pct = (f: { value: number | null }) => (f.value === null ? '-' : `${(f.value * 100).toFixed(1)}%`);
const num = (f: { value: number | null }, digits = 0) => (f.value === null ? '-' : f.value.toFixed(digits));

const COLUMNS: Array<[string, (f: BacktestFigures) => string]> = [
  ['alerts', (f) => num(f.alertsRaised)],
  // Accounts flagged is a share of the segment's accounts: the count is its numerator.
  ['flagged', (f) => String(f.accountsFlagged.numerator)],
  ['TPR', (f) => pct(f.truePositiveRate)],
  ['FPR', (f) => pct(f.falsePositiveRate)],
  ['precision', (f) => pct(f.precision)],
  ['lead d', (f) => num(f.medianLeadDays, 1)],
  ['load/CSM/wk', (f) => num(f.alertLoad, 2)],
];

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The report as terminal tables: each policy's totals and segments, the differences, and the sweep with its recommendation. */
export function backtestTables(report: BacktestReport): string {
  const out: string[] = [
    `Back-test ${report.period.from}..${report.period.to}: ${report.accountsRead} accounts, ${report.eventsRead} events, ${report.csms} CSMs, ${report.weeks.toFixed(1)} weeks`,
    '',
  ];
  const headline = (key: string) => key === '*|*|*' || /^\*\|\*\|[^*]+$/.test(key);
  // A sweep value's version is the base's with its label: the label says it all.
  const named = (p: { label: string; version: string }) =>
    p.version.endsWith(`+${p.label}`) ? p.label : `${p.label} (${p.version})`;
  const rows = report.policies.flatMap((p) =>
    p.groups
      .filter((g) => headline(g.key))
      .map((g) => [
        `${named(p)} ${g.group.segment === '*' ? 'all' : g.group.segment}`,
        ...COLUMNS.map(([, f]) => f(g.figures)),
      ]),
  );
  out.push(table(['policy, segment', ...COLUMNS.map(([h]) => h)], rows), '');
  for (const c of report.comparisons) {
    const total = c.groups.find((g) => g.key === '*|*|*');
    if (!total) continue;
    const d = total.differences;
    const signed = (v: number | null, scale = 100, unit = ' pt') =>
      v === null ? '-' : `${v >= 0 ? '+' : ''}${(v * scale).toFixed(1)}${unit}`;
    out.push(
      `${c.label} against current: TPR ${signed(d.truePositiveRate)}, FPR ${signed(d.falsePositiveRate)}, precision ${signed(d.precision)}, alerts ${signed(d.alertsRaised, 1, '')}, load ${signed(d.alertLoad, 1, '')}`,
    );
  }
  if (report.sweep) {
    const s = report.sweep;
    out.push(
      '',
      `Sweep ${s.path} = ${s.from}..${s.to} by ${s.step} (${s.key}; precision target ${(s.precisionTarget.from * 100).toFixed(0)}-${(s.precisionTarget.to * 100).toFixed(0)}%)`,
      table(
        ['value', ...COLUMNS.map(([h]) => h), 'target'],
        s.rows.map((r) => [
          String(r.value),
          ...COLUMNS.map(([, f]) => f(r.figures)),
          r.meetsPrecisionTarget ? 'yes' : 'no',
        ]),
      ),
      '',
      s.recommendation.text,
    );
  }
  return `${out.join('\n')}\n`;
}
