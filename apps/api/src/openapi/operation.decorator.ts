import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ProblemDetailsView } from '../problems/problem.view';

/** The 4xx and 5xx answers an operation can give, each `application/problem+json`. */
const PROBLEMS: Record<number, string> = {
  400: 'The request is not valid (fields named in `errors`), malformed or too complex; nothing was changed',
  401: 'No valid API key',
  403: "The caller's role, or its relation to the object, does not allow it",
  404: 'No such object (or route)',
  409: "The object's state does not allow it (already decided, ended, reused Idempotency-Key)",
  413: 'The body is larger than 2 MB',
  415: 'The body is not JSON, or its Content-Encoding is not supported',
  429: 'A rate limit is spent; retry after the seconds in Retry-After',
  503: 'PostgreSQL or Temporal is unreachable; nothing was changed, retry',
};

export interface OperationContract {
  /** Stable operation id (links and clients refer to it). */
  id: string;
  summary: string;
  description?: string;
  /** The success answer: its status, body type (a class, or a schema) and meaning. */
  ok: {
    status: number;
    type?: Type<unknown> | [Type<unknown>];
    schema?: SchemaObject;
    description: string;
    links?: Record<string, { operationId: string; parameters: Record<string, string>; description?: string }>;
    /** Also answers text/csv (with `Accept: text/csv`): its description of the columns. */
    csv?: string;
    /** Also answers image/svg+xml (with `Accept: image/svg+xml`): what the picture shows. */
    svg?: string;
  };
  /** A second success answer (200 beside a 201 for "already there"). */
  also?: { status: number; description: string };
  /** Path parameters: name, pattern, example. */
  params?: Array<{ name: string; pattern?: string; enum?: readonly string[]; example?: string; description?: string }>;
  /** The request body is JSON (adds 413 and 415). */
  body?: boolean;
  notFound?: boolean;
  conflict?: boolean;
  /** Takes an Idempotency-Key header. */
  idempotent?: boolean;
  /** Public: no key, not rate limited. */
  public?: boolean;
  /** Signed by a vendor instead of a key (POST /connectors/{name}): a 401 is a bad signature; rate limited by address. */
  signed?: boolean;
}

function schemaOf(ok: OperationContract['ok']): SchemaObject | ReferenceObject | undefined {
  if (ok.schema) return ok.schema;
  if (!ok.type) return undefined;
  if (Array.isArray(ok.type)) return { type: 'array', items: { $ref: getSchemaPath(ok.type[0]) } };
  return { $ref: getSchemaPath(ok.type) };
}

/**
 * The whole OpenAPI contract of an operation in one place: id, summary, success body,
 * every problem answer it can give as application/problem+json, path parameters with
 * their patterns, the Idempotency-Key header (once), the bearer key, rate-limit headers.
 */
export function Operation(c: OperationContract): MethodDecorator {
  const decorators: Array<MethodDecorator | ClassDecorator> = [
    ApiOperation({ operationId: c.id, summary: c.summary, ...(c.description ? { description: c.description } : {}) }),
    ApiExtraModels(ProblemDetailsView),
  ];
  const models = [c.ok.type].flat().filter((t): t is Type<unknown> => typeof t === 'function');
  if (models.length) decorators.push(ApiExtraModels(...models));
  const rateHeaders = c.public
    ? undefined
    : {
        RateLimit: {
          description: 'IETF RateLimit field: the remaining quota and seconds to reset of each policy',
          schema: { type: 'string' },
        },
        'RateLimit-Policy': {
          description: 'IETF RateLimit-Policy field: the quota and window of each policy',
          schema: { type: 'string' },
        },
      };
  const okSchema = schemaOf(c.ok);
  decorators.push(
    ApiResponse({
      status: c.ok.status,
      description: c.ok.description,
      ...(okSchema
        ? {
            content: {
              'application/json': { schema: okSchema },
              ...(c.ok.csv ? { 'text/csv': { schema: { type: 'string', description: c.ok.csv } } } : {}),
              ...(c.ok.svg ? { 'image/svg+xml': { schema: { type: 'string', description: c.ok.svg } } } : {}),
            },
          }
        : {}),
      ...(rateHeaders ? { headers: rateHeaders } : {}),
      ...(c.ok.links ? { links: c.ok.links } : {}),
    }),
  );
  if (c.also)
    decorators.push(
      ApiResponse({
        status: c.also.status,
        description: c.also.description,
        ...(okSchema ? { content: { 'application/json': { schema: okSchema } } } : {}),
      }),
    );
  // A signed route answers 403 too: its secret may belong to a principal whose role may not call it.
  const statuses = c.public ? [] : [400, 401, 403, 429, 503];
  if (c.notFound) statuses.push(404);
  if (c.conflict || c.idempotent) statuses.push(409);
  if (c.body) statuses.push(413, 415);
  for (const status of [...new Set(statuses)].sort()) {
    decorators.push(
      ApiResponse({
        status,
        description:
          c.signed && status === 401
            ? 'The vendor signature is missing, stale or does not verify'
            : c.signed && status === 403
              ? 'The secret that verified the signature belongs to a principal who may not send these events'
              : PROBLEMS[status]!,
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsView) } } },
        ...(status === 429
          ? {
              headers: {
                'Retry-After': {
                  description: 'Seconds until the spent window ends',
                  schema: { type: 'integer', minimum: 1 },
                },
              },
            }
          : {}),
      }),
    );
  }
  for (const p of c.params ?? []) {
    decorators.push(
      ApiParam({
        name: p.name,
        required: true,
        schema: {
          type: 'string',
          ...(p.pattern ? { pattern: p.pattern } : {}),
          ...(p.enum ? { enum: [...p.enum] } : {}),
        },
        ...(p.example ? { example: p.example } : {}),
        ...(p.description ? { description: p.description } : {}),
      }),
    );
  }
  if (c.idempotent) {
    decorators.push(
      ApiHeader({
        name: 'Idempotency-Key',
        required: false,
        description:
          'Retrying with the same key applies the change once and answers as the first time; the same key with another request is a 409',
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' },
      }),
    );
  }
  if (!c.public && !c.signed) decorators.push(ApiBearerAuth());
  return applyDecorators(...decorators);
}
