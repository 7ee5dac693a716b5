import { Client } from '@hubspot/api-client';
import type { CrmWriteBackTarget } from './crm-write-back-target';
import {
  CrmWriteError,
  retryableStatus,
  retryAfterMs,
  type CrmRecordUpdate,
  type CrmRecordWriter,
} from './crm-record-writer';

/**
 * HubSpot, through its official client (@hubspot/api-client): `PATCH
 * /crm/v3/objects/companies/{retain account id}?idProperty=<account id property>` with
 * `{ properties }`, the company found by its own unique `retain_account_id` property, so
 * Retain keeps no mapping of HubSpot ids. Updating by idProperty never creates a company:
 * no company with that id is a 404, permanent. The client's own retries are off
 * (numberOfApiCallRetries 0): the dispatcher retries, with its backoff and the outbox's
 * latest value.
 */
export class HubSpotRecordWriter implements CrmRecordWriter {
  readonly crm = 'hubspot';
  private readonly client: Client;

  constructor(
    private readonly target: CrmWriteBackTarget,
    accessToken: string,
  ) {
    this.client = new Client({ accessToken, basePath: target.baseUrl, numberOfApiCallRetries: 0 });
  }

  async write(accountId: string, update: CrmRecordUpdate): Promise<void> {
    try {
      await this.client.crm.companies.basicApi.update(accountId, { properties: update }, this.target.fields.accountId);
    } catch (error) {
      throw hubSpotFailure(error);
    }
  }
}

/** A HubSpot client error as a CrmWriteError: its HTTP status says whether to retry, a 429's Retry-After when. */
function hubSpotFailure(error: unknown): Error {
  const e = error as { code?: unknown; headers?: Record<string, string>; body?: unknown; message?: string };
  if (typeof e?.code !== 'number') return error instanceof Error ? error : new Error(String(error));
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? null);
  const detail = (body ?? '').slice(0, 500);
  const message = `HubSpot answered ${e.code}: ${detail}`;
  return new CrmWriteError(message, !retryableStatus(e.code), retryAfterMs(e.headers?.['retry-after']));
}
