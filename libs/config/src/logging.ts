/**
 * What every process's JSON logs (pino) leave out: credentials in request headers, and
 * the bound parameters of failed SQL (they carry whatever the request or workflow held:
 * key prefixes, names, free text). Shared by the api, the worker and the TypeORM logger.
 */

/** Request and response headers that carry a credential or a signature. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-auth-token',
  'cookie',
  'webhook-signature',
  'svix-signature',
  'stripe-signature',
  'x-hub-signature',
  'x-hub-signature-256',
] as const;

/** pino `redact` paths for the request and response headers above. */
export const REDACTED_LOG_PATHS: string[] = [
  ...CREDENTIAL_HEADERS.map((h) => `req.headers["${h}"]`),
  'res.headers["set-cookie"]',
];

const DROPPED_ERROR_FIELDS = new Set(['parameters', 'driverError', 'query']);
const MAX_SQL_IN_LOG = 500;

/**
 * pino's `err` serializer without SQL parameters: a TypeORM QueryFailedError keeps its
 * message, SQLSTATE and the start of its statement, never the values bound to it.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const [k, v] of Object.entries(err)) {
    if (DROPPED_ERROR_FIELDS.has(k)) continue;
    out[k] = v;
  }
  const query = (err as { query?: unknown }).query;
  if (typeof query === 'string') out.sql = query.replace(/\s+/g, ' ').slice(0, MAX_SQL_IN_LOG);
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}
