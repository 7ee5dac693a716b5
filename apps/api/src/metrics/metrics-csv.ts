import { ApiReply } from '../http/http-exchange';
import type { MetricsReport } from './metrics-report';

/**
 * The CSV form of a metrics answer (docs/metrics.md, "CSV"): RFC 4180, a header row, one
 * row per group. The first columns are the groupBy dimensions (the group's key); then
 * every figure of the answer flattened by its path: a figure's three columns
 * `<path>.value`, `<path>.numerator`, `<path>.denominator`; a list's items by their
 * first text field (`dueByMonth.2027-01.renewals`, `forecast.categories.red.arrCents`)
 * or, without one, their position. null is an empty cell.
 */
export function metricsCsv(report: MetricsReport<object>): string {
  const columns: string[] = [...report.groupBy];
  const seen = new Set(columns);
  const rows = report.groups.map((group) => {
    const { key, ...figures } = group;
    const cells = new Map<string, unknown>();
    flatten(figures, '', cells);
    return { key, cells };
  });
  const total = new Map<string, unknown>();
  flatten(report.total, '', total);
  for (const path of [...total.keys(), ...rows.flatMap((r) => [...r.cells.keys()])]) {
    if (seen.has(path)) continue;
    seen.add(path);
    columns.push(path);
  }
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) {
    lines.push(columns.map((c, i) => cell(i < report.groupBy.length ? (r.key[c] ?? null) : r.cells.get(c))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function flatten(value: unknown, path: string, out: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      const labelKey =
        item && typeof item === 'object' && !Array.isArray(item)
          ? Object.keys(item).find((k) => typeof (item as Record<string, unknown>)[k] === 'string')
          : undefined;
      if (labelKey === undefined) return flatten(item, join(path, String(i)), out);
      const { [labelKey]: label, ...rest } = item as Record<string, unknown>;
      flatten(rest, join(path, String(label)), out);
    });
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, join(path, k), out);
    return;
  }
  out.set(path, value);
}

const join = (path: string, part: string) => (path ? `${path}.${part}` : part);

/** One CSV cell: quoted when it must be; text that a spreadsheet would run as a formula is kept as text. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Whether the caller asks for CSV: its Accept prefers text/csv (or text/*) to JSON. No
 * Accept, the any-type wildcard or anything else is JSON.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { csv: boolean; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const json = range === 'application/json' || range === 'application/*' || range === '*/*';
    const csv = range === 'text/csv' || range === 'text/*';
    if (!json && !csv) continue;
    if (!best || q > best.q) best = { csv: !json && csv, q };
  }
  return best?.csv ?? false;
}

/** The answer in the form the caller asks for: the report as JSON, or as text/csv; charset=utf-8. */
export function renderMetrics<M extends object>(
  res: unknown,
  accept: string | undefined,
  report: MetricsReport<M>,
): MetricsReport<M> | string {
  const reply = ApiReply.of(res).vary('Accept');
  if (!wantsCsv(accept)) return report;
  reply.type('text/csv; charset=utf-8');
  return metricsCsv(report);
}
