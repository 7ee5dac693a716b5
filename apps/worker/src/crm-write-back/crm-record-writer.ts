/** One update of the account's CRM record: field (API name) → value. */
export type CrmRecordUpdate = Record<string, string>;

/** Writes fields on the CRM record of a Retain account, found by the record's own Retain account id. */
export interface CrmRecordWriter {
  readonly crm: string;
  /** Resolves once the CRM took the update; throws a CrmWriteError (or any error: retried) otherwise. */
  write(accountId: string, update: CrmRecordUpdate): Promise<void>;
}

/**
 * A refused write: `permanent` when sending it again cannot help (no record with that
 * account id, a field the CRM does not know, a value it refuses), else retried after the
 * backoff, or after `retryAfterMs` when the CRM asked for longer (a 429's Retry-After).
 */
export class CrmWriteError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'CrmWriteError';
  }
}

/** A Retry-After header's wait in ms (seconds, or an HTTP date after `now`); null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: Date = new Date()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** Whether an HTTP status is worth another try: 408, 425, 429 and every 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
