import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** A request's id: the client's X-Request-Id when it is a plain token of up to 100 characters, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * What the api reads of a request, the same on both HTTP stacks (HTTP_SERVER): Express's
 * request and Fastify's both carry these fields (Fastify's Node request is `raw`).
 * Controllers, guards, interceptors and the problem filter take this, never a
 * framework's own type (apps/api/src/http/http-platform.ts starts either stack).
 */
export interface ApiRequest {
  readonly method: string;
  /** The path and query as the client sent them (Express: also originalUrl). */
  readonly url: string;
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: unknown;
  readonly body?: unknown;
  /** The body's bytes as received (after Content-Encoding), for signature checks: JSON bodies only. */
  readonly rawBody?: Buffer;
  /** The client's address (through API_TRUST_PROXY's proxies). */
  readonly ip?: string;
  /** `http` or `https` (through API_TRUST_PROXY's proxies). */
  readonly protocol?: string;
  /** The request id (X-Request-Id, echoed; logged on each line of the request). */
  readonly id?: string | number;
  /** Fastify: the Node request under it (where the request log reads the principal). */
  readonly raw?: IncomingMessage;
}

/** The request's URL as the client sent it (path and query). */
export function requestUrl(req: ApiRequest): string {
  return req.originalUrl ?? req.url;
}

/** The request's path, without the query. */
export function requestPath(req: ApiRequest): string {
  const url = requestUrl(req);
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The Host header as sent (not the forwarded one). */
export function requestHost(req: ApiRequest): string {
  return req.headers.host ?? '';
}

/**
 * Sets `key` to `value` on the request and, on Fastify, on the Node request under it
 * (which the request log's custom properties read: the principal of each line).
 */
export function setOnRequest(req: ApiRequest, key: string, value: unknown): void {
  (req as unknown as Record<string, unknown>)[key] = value;
  if (req.raw && (req.raw as unknown) !== req) (req.raw as unknown as Record<string, unknown>)[key] = value;
}

/** What setOnRequest left on the request under `key` (undefined when nothing did). */
export function readOnRequest<T>(req: ApiRequest, key: string): T | undefined {
  return (req as unknown as Record<string, T | undefined>)[key];
}

/** Fastify's reply, as far as the api uses it. */
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(status: number): unknown;
  header(name: string, value: string | number | readonly string[]): unknown;
  getHeader(name: string): unknown;
  send(body?: unknown): unknown;
}

/** Express's response, as far as the api uses it. */
interface ExpressResponseLike extends ServerResponse {
  status(status: number): unknown;
  send(body?: unknown): unknown;
}

function isFastifyReply(res: unknown): res is FastifyReplyLike {
  return (
    typeof res === 'object' && res !== null && 'raw' in res && typeof (res as FastifyReplyLike).code === 'function'
  );
}

/**
 * The response calls the api makes (status, headers, a text body), the same on both
 * stacks: a controller's `@Res({ passthrough: true })`, a guard's or the problem filter's
 * response, wrapped with `ApiReply.of(res)`.
 */
export class ApiReply {
  private constructor(
    private readonly fastify: FastifyReplyLike | undefined,
    private readonly express: ExpressResponseLike | undefined,
  ) {}

  static of(res: unknown): ApiReply {
    if (res instanceof ApiReply) return res;
    return isFastifyReply(res) ? new ApiReply(res, undefined) : new ApiReply(undefined, res as ExpressResponseLike);
  }

  status(code: number): this {
    if (this.fastify) this.fastify.code(code);
    else this.express!.status(code);
    return this;
  }

  header(name: string, value: string | readonly string[]): this {
    if (this.fastify) this.fastify.header(name, value);
    else this.express!.setHeader(name, value);
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    const value = (this.fastify ? this.fastify.getHeader(name) : this.express!.getHeader(name)) as
      string | number | string[] | undefined;
    if (value === undefined || value === null) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  }

  /** Adds a value to a header (one field line each), as Express's `res.append`. */
  append(name: string, value: string): this {
    const prev = this.getHeader(name);
    return this.header(name, prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value]);
  }

  /** Adds `field` to Vary unless it is there, as Express's `res.vary`. */
  vary(field: string): this {
    const prev = this.getHeader('Vary');
    const fields = (Array.isArray(prev) ? prev.join(',') : (prev ?? ''))
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (fields.includes('*') || fields.some((f) => f.toLowerCase() === field.toLowerCase())) return this;
    return this.header('Vary', [...fields, field].join(', '));
  }

  location(url: string): this {
    return this.header('Location', url);
  }

  /** The Content-Type of a text body; a charset (utf-8) is added when it names none, as Express does. */
  type(contentType: string): this {
    return this.header(
      'Content-Type',
      /;\s*charset=/i.test(contentType) ? contentType : `${contentType}; charset=utf-8`,
    );
  }

  /** Sends a text body (the status and headers set before). */
  send(body: string): void {
    if (this.fastify) this.fastify.send(body);
    else this.express!.send(body);
  }
}

/**
 * The handler's response as an ApiReply (status, Location, Vary, Content-Type), on either
 * stack; Nest still sends what the handler returns (as `@Res({ passthrough: true })`).
 */
export const Reply = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiReply =>
  ApiReply.of(ctx.switchToHttp().getResponse()),
);
