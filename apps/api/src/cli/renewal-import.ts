import { parse } from 'csv-parse/sync';

/**
 * CSV import of renewals for CS ops. Columns (header row required, order free):
 *   account_id, account_name, arr_cents, segment, time_zone, owner_csm_id, renewal_date  (required)
 *   csm_manager_id, sales_rep_id                                                        (optional)
 *   vertical, lifecycle_stage, executive_sponsor_name, executive_sponsor_email,
 *   executive_sponsor_title, champion_name, champion_email, champion_title,
 *   customer_since (YYYY-MM-DD)                                               (optional: the profile)
 * An empty cell states nothing (a profile field left empty keeps what the account has).
 * Rows go to POST /renewals/batch in chunks of up to 1,000, so the api validates them
 * exactly as it validates any launch; the result maps back to CSV row numbers.
 */
export const REQUIRED_COLUMNS = [
  'account_id',
  'account_name',
  'arr_cents',
  'segment',
  'time_zone',
  'owner_csm_id',
  'renewal_date',
] as const;
export const OPTIONAL_COLUMNS = [
  'csm_manager_id',
  'sales_rep_id',
  'vertical',
  'lifecycle_stage',
  'executive_sponsor_name',
  'executive_sponsor_email',
  'executive_sponsor_title',
  'champion_name',
  'champion_email',
  'champion_title',
  'customer_since',
] as const;

/** A contact of the row's `<prefix>_name`, `_email`, `_title` cells, or nothing when all are empty (a name-less one is the api's to refuse). */
function contactOf(v: Record<string, string>, prefix: string): Record<string, string> | undefined {
  const c = Object.fromEntries(
    (['name', 'email', 'title'] as const).filter((k) => v[`${prefix}_${k}`]).map((k) => [k, v[`${prefix}_${k}`]!]),
  );
  return Object.keys(c).length ? c : undefined;
}
const BATCH_SIZE = 1000;

export interface ImportRow {
  /** 1-based line number in the file (the header is line 1). */
  row: number;
  body: Record<string, unknown>;
}

export interface RowRejection {
  row: number;
  reason: string;
}

export interface ParsedCsv {
  rows: ImportRow[];
  rejected: RowRejection[];
}

export class CsvFormatError extends Error {}

/** Parses the file; rows that cannot become a launch request at all are rejected here. */
export function parseRenewalCsv(text: string): ParsedCsv {
  let records: string[][];
  try {
    const parsed: unknown = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true, bom: true });
    records = parsed as string[][];
  } catch (error) {
    throw new CsvFormatError(`not a readable CSV file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [header, ...data] = records;
  if (!header) throw new CsvFormatError('the file is empty');
  const columns = header.map((h) => h.toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  const unknown = columns.filter(
    (c) => !(REQUIRED_COLUMNS as readonly string[]).includes(c) && !(OPTIONAL_COLUMNS as readonly string[]).includes(c),
  );
  if (missing.length || unknown.length) {
    throw new CsvFormatError(
      [
        missing.length ? `missing columns: ${missing.join(', ')}` : '',
        unknown.length ? `unknown columns: ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
  const out: ParsedCsv = { rows: [], rejected: [] };
  data.forEach((cells, i) => {
    const row = i + 2;
    if (cells.length !== columns.length) {
      out.rejected.push({ row, reason: `has ${cells.length} fields, the header has ${columns.length}` });
      return;
    }
    const v = Object.fromEntries(columns.map((c, j) => [c, cells[j]!]));
    const arr = /^\d+$/.test(v.arr_cents!) ? Number(v.arr_cents) : NaN;
    if (!Number.isSafeInteger(arr)) {
      out.rejected.push({ row, reason: `arr_cents "${v.arr_cents}" is not a whole number of cents` });
      return;
    }
    const sponsor = contactOf(v, 'executive_sponsor');
    const champion = contactOf(v, 'champion');
    out.rows.push({
      row,
      body: {
        account: {
          id: v.account_id,
          name: v.account_name,
          arrCents: arr,
          segment: v.segment,
          timeZone: v.time_zone,
          ownerCsmId: v.owner_csm_id,
          ...(v.csm_manager_id ? { csmManagerId: v.csm_manager_id } : {}),
          ...(v.sales_rep_id ? { salesRepId: v.sales_rep_id } : {}),
          ...(v.vertical ? { vertical: v.vertical } : {}),
          ...(v.lifecycle_stage ? { lifecycleStage: v.lifecycle_stage } : {}),
          ...(v.customer_since ? { customerSince: v.customer_since } : {}),
          ...(sponsor ? { executiveSponsor: sponsor } : {}),
          ...(champion ? { champion } : {}),
        },
        renewalDate: v.renewal_date,
      },
    });
  });
  return out;
}

export interface ImportSummary {
  launched: number;
  alreadyRunning: number;
  rejected: RowRejection[];
  /** Rows whose renewal runs but whose account's early warning could not be opened (importing them again opens it). */
  earlyWarningNotOpened: RowRejection[];
}

interface BatchResponse {
  items: Array<{
    index: number;
    status: 'created' | 'already_running' | 'rejected';
    detail?: string;
    errors?: Array<{ field: string; message: string }>;
    earlyWarning?: { status: 'opened' | 'already_running' | 'failed'; detail?: string };
  }>;
}

/** Sends the rows to the api in batches, reporting progress after each. */
export async function importRenewals(
  parsed: ParsedCsv,
  api: { baseUrl: string; apiKey: string },
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    launched: 0,
    alreadyRunning: 0,
    rejected: [...parsed.rejected],
    earlyWarningNotOpened: [],
  };
  const total = parsed.rows.length;
  onProgress(0, total);
  for (let start = 0; start < total; start += BATCH_SIZE) {
    const chunk = parsed.rows.slice(start, start + BATCH_SIZE);
    const res = await fetch(`${api.baseUrl.replace(/\/$/, '')}/renewals/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: chunk.map((r) => r.body) }),
    });
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
      throw new Error(`the api answered ${res.status}: ${problem.detail ?? problem.title ?? res.statusText}`);
    }
    const body = (await res.json()) as BatchResponse;
    for (const item of body.items) {
      const row = chunk[item.index]!.row;
      if (item.earlyWarning?.status === 'failed')
        summary.earlyWarningNotOpened.push({ row, reason: item.earlyWarning.detail ?? 'early warning not opened' });
      if (item.status === 'created') summary.launched += 1;
      else if (item.status === 'already_running') summary.alreadyRunning += 1;
      else {
        const reason = item.errors?.length
          ? item.errors.map((e) => `${e.field} ${e.message}`).join('; ')
          : (item.detail ?? 'rejected');
        summary.rejected.push({ row, reason });
      }
    }
    onProgress(Math.min(start + BATCH_SIZE, total), total);
  }
  summary.rejected.sort((a, b) => a.row - b.row);
  return summary;
}

/** A one-line progress bar for a terminal (redrawn in place) or a log (one line per step). */
export function progressLine(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : done / total;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} rows`;
}
