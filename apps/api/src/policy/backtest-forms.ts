/**
 * The forms a back-test's report is answered in besides JSON (docs/policy-lab.md,
 * "Interfaces"): CSV, one row per policy and group and one per sweep value; and an SVG
 * chart of the sweep, its true-positive rate against its false-positive rate per value.
 */
import type { BacktestFigureName, BacktestFigures, BacktestReport, BacktestSweepReport } from '@retain/domain';

export type BacktestForm = 'json' | 'csv' | 'svg';

const RANGES: Record<string, BacktestForm> = {
  'application/json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'text/csv': 'csv',
  'text/*': 'csv',
  'image/svg+xml': 'svg',
  'image/*': 'svg',
};

/** The form the caller's Accept prefers (highest q; JSON on a tie, without Accept, or for anything else). */
export function backtestForm(accept: string | undefined): BacktestForm {
  if (!accept) return 'json';
  let best: { form: BacktestForm; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const form = RANGES[range.trim()];
    if (!form) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (!best || q > best.q || (q === best.q && form === 'json')) best = { form, q };
  }
  return best?.form ?? 'json';
}

const FIGURES: readonly BacktestFigureName[] = [
  'alertsRaised',
  'accountsFlagged',
  'truePositiveRate',
  'falsePositiveRate',
  'precision',
  'pendingOutcome',
  'medianLeadDays',
  'alertLoad',
];

/**
 * RFC 4180 CSV: `kind` (policy or sweep), the policy's label and version, the sweep
 * value (sweep rows), the group (rule, severity, segment; '*' for all), whether the
 * value meets the precision target (sweep rows), then each figure's value, numerator and
 * denominator. null is an empty cell.
 */
export function backtestCsv(report: BacktestReport): string {
  const header = [
    'kind',
    'label',
    'version',
    'value',
    'ruleId',
    'severity',
    'segment',
    'meetsPrecisionTarget',
    ...FIGURES.flatMap((f) => [`${f}.value`, `${f}.numerator`, `${f}.denominator`]),
  ];
  const figureCells = (f: BacktestFigures) =>
    FIGURES.flatMap((name) => [f[name].value, f[name].numerator, f[name].denominator]);
  const lines: unknown[][] = [header];
  for (const p of report.policies)
    for (const g of p.groups)
      lines.push([
        'policy',
        p.label,
        p.version,
        null,
        g.group.ruleId,
        g.group.severity,
        g.group.segment,
        null,
        ...figureCells(g.figures),
      ]);
  const sweep = report.sweep;
  if (sweep) {
    const [ruleId, severity, segment] = sweep.key.split('|');
    const versions = new Map(report.policies.map((p) => [p.label, p.version]));
    for (const r of sweep.rows)
      lines.push([
        'sweep',
        r.label,
        versions.get(r.label) ?? null,
        r.value,
        ruleId,
        severity,
        segment,
        r.meetsPrecisionTarget,
        ...figureCells(r.figures),
      ]);
  }
  return `${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** One CSV cell: quoted when it must be; text a spreadsheet would run as a formula is kept as text. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

/**
 * The sweep as a chart: false-positive rate (x) against true-positive rate (y), both 0-100%,
 * one point per swept value joined in value order, each labelled with its value; the
 * recommended value ringed; a value without a rate (nothing counted) is left out and
 * said so under the chart.
 */
export function backtestSweepSvg(sweep: BacktestSweepReport): string {
  const W = 640;
  const PLOT_H = 480;
  const m = { left: 70, right: 30, top: 50, bottom: 70 };
  const pw = W - m.left - m.right;
  const ph = PLOT_H - m.top - m.bottom;
  const round = (v: number) => Math.round(v * 10) / 10;
  const x = (v: number) => round(m.left + v * pw);
  const y = (v: number) => round(m.top + (1 - v) * ph);
  const points = sweep.rows.flatMap((r) =>
    r.figures.truePositiveRate.value === null || r.figures.falsePositiveRate.value === null
      ? []
      : [{ row: r, fpr: r.figures.falsePositiveRate.value, tpr: r.figures.truePositiveRate.value }],
  );
  const missing = sweep.rows.filter((r) => !points.some((p) => p.row === r)).map((r) => r.value);
  const note = wrap(`${sweep.recommendation.text}${missing.length ? ` (no rate for ${missing.join(', ')})` : ''}`, 96);
  const H = PLOT_H + 16 * note.length;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(`Sweep of ${sweep.path}, ${sweep.from} to ${sweep.to} by ${sweep.step}: true-positive against false-positive rate`)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${esc(`${sweep.path} = ${sweep.from}..${sweep.to} by ${sweep.step} (${sweep.key})`)}</text>`,
  ];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(
      `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#eee"/>`,
      `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${t * 10}%</text>`,
      `<text x="${x(0) - 8}" y="${y(v) + 4}" text-anchor="end">${t * 10}%</text>`,
    );
  }
  out.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(1)}" stroke="black"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 4"/>`,
    `<text x="${x(0.5)}" y="${PLOT_H - 30}" text-anchor="middle">false-positive rate (healthy accounts flagged)</text>`,
    `<text x="18" y="${y(0.5)}" text-anchor="middle" transform="rotate(-90 18 ${y(0.5)})">true-positive rate (churns warned in time)</text>`,
  );
  if (points.length > 1)
    out.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${points.map((p) => `${x(p.fpr).toFixed(1)},${y(p.tpr).toFixed(1)}`).join(' ')}"/>`,
    );
  const recommended = sweep.recommendation.value;
  // Values at the same point (the same rates) share one label, "25, 30", written at the first of them.
  const at = (p: (typeof points)[number]) => `${x(p.fpr).toFixed(1)},${y(p.tpr).toFixed(1)}`;
  const together = new Map<string, number[]>();
  for (const p of points) together.set(at(p), [...(together.get(at(p)) ?? []), p.row.value]);
  for (const p of points) {
    const cx = x(p.fpr).toFixed(1);
    const cy = y(p.tpr).toFixed(1);
    const label = `${p.row.value}: TPR ${pct(p.tpr)}, FPR ${pct(p.fpr)}`;
    const shared = together.get(at(p))!;
    out.push(
      `<g class="point" data-value="${p.row.value}"><title>${esc(label)}</title>`,
      `<circle cx="${cx}" cy="${cy}" r="4" fill="${p.row.meetsPrecisionTarget ? '#2ca02c' : '#1f77b4'}"/>`,
      recommended === p.row.value
        ? `<circle cx="${cx}" cy="${cy}" r="9" fill="none" stroke="#d62728" stroke-width="2"/>`
        : '',
      shared[0] === p.row.value
        ? `<text x="${(Number(cx) + 8).toFixed(1)}" y="${(Number(cy) - 8).toFixed(1)}">${esc(shared.join(', '))}</text></g>`
        : '</g>',
    );
  }
  note.forEach((line, i) => out.push(`<text x="20" y="${PLOT_H - 8 + 16 * i}">${esc(line)}</text>`));
  out.push('</svg>');
  return `${out.filter(Boolean).join('\n')}\n`;
}

/** Words into lines of at most `width` characters (a longer word alone on its line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
