import { Connection } from 'jsforce';
import type { AppConfig } from '@retain/config';
import { SALESFORCE_API_VERSION, type CrmWriteBackTarget } from './crm-write-back-target';
import { CrmWriteError, type CrmRecordUpdate, type CrmRecordWriter } from './crm-record-writer';

/** Salesforce error codes that another try of the same write cannot fix. */
const PERMANENT_CODES = new Set([
  'NOT_FOUND',
  'INVALID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INVALID_TYPE',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'JSON_PARSER_ERROR',
  'MALFORMED_ID',
  'MULTIPLE_CHOICES',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'FIELD_INTEGRITY_EXCEPTION',
  'STRING_TOO_LONG',
]);

/**
 * Salesforce, through jsforce (Salesforce publishes no Node REST client of its own):
 * `PATCH /services/data/v62.0/sobjects/Account/<external id field>/<retain account
 * id>?updateOnly=true`, the Account found by its external id field, so Retain keeps no
 * mapping of Salesforce ids; `updateOnly` (API 61.0+) makes a missing Account a 404
 * instead of an upsert's new, nameless one. Authentication: the OAuth client credentials
 * flow against the org's token endpoint (CRM_CLIENT_ID, CRM_CLIENT_SECRET), a new token
 * taken when one expires (jsforce's refresh on a 401), or a fixed CRM_ACCESS_TOKEN.
 */
export class SalesforceRecordWriter implements CrmRecordWriter {
  readonly crm = 'salesforce';
  private readonly conn: Connection;
  private readonly clientCredentials: boolean;

  constructor(
    private readonly target: CrmWriteBackTarget,
    config: Pick<AppConfig, 'CRM_ACCESS_TOKEN' | 'CRM_CLIENT_ID' | 'CRM_CLIENT_SECRET'>,
  ) {
    this.clientCredentials = Boolean(config.CRM_CLIENT_ID && config.CRM_CLIENT_SECRET);
    this.conn = new Connection({
      instanceUrl: target.baseUrl,
      version: SALESFORCE_API_VERSION,
      ...(config.CRM_ACCESS_TOKEN && !this.clientCredentials ? { accessToken: config.CRM_ACCESS_TOKEN } : {}),
      ...(this.clientCredentials
        ? {
            oauth2: {
              loginUrl: target.baseUrl,
              clientId: config.CRM_CLIENT_ID!,
              clientSecret: config.CRM_CLIENT_SECRET!,
            },
            refreshFn: (conn, callback) => {
              conn.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
                (res) => {
                  callback(undefined, res.access_token, res);
                },
                (err: Error) => {
                  callback(err);
                },
              );
            },
          }
        : {}),
    });
  }

  async write(accountId: string, update: CrmRecordUpdate): Promise<void> {
    try {
      if (this.clientCredentials && !this.conn.accessToken) {
        const token = await this.conn.oauth2.requestToken({ grant_type: 'client_credentials' });
        this.conn.accessToken = token.access_token;
      }
      const path = ['sobjects', 'Account', this.target.fields.accountId, encodeURIComponent(accountId)].join('/');
      await this.conn.request({
        method: 'PATCH',
        url: `/${path}?updateOnly=true`,
        body: JSON.stringify(update),
        headers: { 'content-type': 'application/json' },
      });
    } catch (error) {
      throw salesforceFailure(error);
    }
  }
}

/**
 * A jsforce error as a CrmWriteError: Salesforce's error code (or `ERROR_HTTP_<status>`
 * when the body is not Salesforce's) says whether to retry. jsforce does not pass the
 * response's headers on, so a Retry-After is not read: a 429 or 503 waits the backoff.
 */
function salesforceFailure(error: unknown): Error {
  const code = (error as { errorCode?: unknown })?.errorCode;
  if (typeof code !== 'string') return error instanceof Error ? error : new Error(String(error));
  const status = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const permanent = status
    ? Number(status[1]) >= 400 && Number(status[1]) < 500 && ![401, 408, 425, 429].includes(Number(status[1]))
    : PERMANENT_CODES.has(code);
  return new CrmWriteError(`Salesforce answered ${code}: ${(error as Error).message.slice(0, 500)}`, permanent);
}
