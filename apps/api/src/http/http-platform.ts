import { BadRequestException, type ArgumentsHost, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { AppConfig } from '@retain/config';
import { ProblemDetailsFilter } from '../problems/problem-details.filter';
import { requestIdOf } from './http-exchange';

/** What the api's Node-level middleware is: plain Node request and response, `next` when it does not answer. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Times a request until it is answered; `route` names its route template once it is known. */
export type RequestTimer = (req: IncomingMessage, res: ServerResponse, route: () => string | undefined) => void;

/** What the api runs in front of its routes, on either stack (api-app.ts). */
export interface FrontOfRoutes {
  /** First: every request is timed, also those a body parser or a guard refuses. */
  timer: RequestTimer;
  /** The web app's static files under /app, before the routes and their key guard. */
  webApp: NodeMiddleware;
}

/** The JSON body limit of every route: the largest legitimate body (1,000 launches) is about 1 MB. */
export const BODY_LIMIT = '2mb';

/**
 * The request body parsers, the same on both stacks: Express's own (body-parser), so the
 * bodies, limits (413), Content-Encoding (gzip, deflate, br; another is a 415), charsets
 * and parse errors (400) are one implementation. JSON keeps its bytes as `rawBody` for
 * signature checks. A body of another type is not read (`body` stays undefined), as on
 * Express.
 */
const rawBodyVerify = (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, buffer: Buffer) => {
  if (Buffer.isBuffer(buffer)) req.rawBody = buffer;
};
const jsonParser = json({ limit: BODY_LIMIT, verify: rawBodyVerify });
const formParser = urlencoded({ extended: true });

/** `API_TRUST_PROXY` as both stacks take it: a hop count, or addresses and subnets. */
function trustProxy(config: AppConfig): number | string[] | undefined {
  if (!config.API_TRUST_PROXY) return undefined;
  return /^\d+$/.test(config.API_TRUST_PROXY)
    ? Number(config.API_TRUST_PROXY)
    : config.API_TRUST_PROXY.split(',').map((s) => s.trim());
}

/**
 * Creates the api's Nest application on the stack HTTP_SERVER names, with what runs in
 * front of the routes (`front`, built from the application's providers). Everything the
 * two stacks do differently is here; the rest of the api reads requests and writes
 * responses through apps/api/src/http/http-exchange.ts.
 */
export async function createPlatformApp(
  module: DynamicModule,
  config: AppConfig,
  front: (app: INestApplication) => FrontOfRoutes,
): Promise<INestApplication> {
  return config.HTTP_SERVER === 'express'
    ? createExpressApp(module, config, front)
    : createFastifyApp(module, config, front);
}

async function createExpressApp(
  module: DynamicModule,
  config: AppConfig,
  front: (app: INestApplication) => FrontOfRoutes,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, rawBody: true });
  const { timer, webApp } = front(app);
  app.use((req: Request, res: Response, next: NextFunction) => {
    timer(req, res, () => expressRoute(req));
    next();
  });
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.disable('x-powered-by');
  const proxies = trustProxy(config);
  if (proxies !== undefined) app.set('trust proxy', proxies);
  app.use(webApp);
  return app;
}

/**
 * The route template Express entered last: a controller's (one method each), or, when
 * none matched, the catch-all a middleware is mounted on for every method (nestjs-pino's
 * `/{*path}`): undefined.
 */
function expressRoute(req: Request): string | undefined {
  const route = req.route as { path?: unknown; methods?: Record<string, boolean> } | undefined;
  const methods = Object.keys(route?.methods ?? {});
  const handled = typeof route?.path === 'string' && methods.length === 1 && methods[0] !== '_all';
  return handled ? `${req.baseUrl}${String(route.path)}` : undefined;
}

/** The 400 Express answers for a path parameter that does not decode (`%FF`): its first such segment. */
function badParam(url: string): BadRequestException {
  const path = url.split('?')[0] ?? '';
  const segment = path.split('/').find((part) => {
    try {
      decodeURIComponent(part);
      return false;
    } catch {
      return true;
    }
  });
  return new BadRequestException(`Failed to decode param '${segment ?? path}'`);
}

async function createFastifyApp(
  module: DynamicModule,
  config: AppConfig,
  front: (app: INestApplication) => FrontOfRoutes,
): Promise<INestApplication> {
  const proxies = trustProxy(config);
  const adapter = new FastifyAdapter({
    // The request id of the log lines and problems (X-Request-Id when the client sends a valid one).
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    ...(proxies !== undefined ? { trustProxy: proxies } : {}),
    routerOptions: {
      // As Express: repeated parameters are arrays, `a[b]=1` is the key `a[b]` (its "simple" parser).
      querystringParser: (query) => parseQuery(query),
      // As Express: paths match whatever their case and with a trailing slash; ids may be long.
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 2048,
    },
    // As Node's server under Express: idle keep-alive sockets close after 5 s.
    keepAliveTimeout: 5_000,
    // A closing api finishes what it has; no 503 of Fastify's own.
    return503OnClosing: false,
    // A path that does not decode (`%FF`) is a problem of the api's, not Fastify's own body.
    frameworkErrors: (_error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) };
      new ProblemDetailsFilter().catch(badParam(request.raw.url ?? ''), host as unknown as ArgumentsHost);
    },
  });
  const ready: { front?: FrontOfRoutes } = {};
  // Before the hooks Nest adds (its middleware, the request log): every request is timed
  // and carries its id, and the web app answers its own paths.
  adapter.getInstance().addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header('X-Request-Id', String(request.id));
    const frontOfRoutes = ready.front;
    if (!frontOfRoutes) return done();
    frontOfRoutes.timer(request.raw, reply.raw, () => request.routeOptions.url);
    let passed = false;
    frontOfRoutes.webApp(request.raw, reply.raw, () => {
      passed = true;
    });
    if (!passed) reply.hijack();
    done();
  });
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  const parse =
    (parser: typeof jsonParser) =>
    (request: FastifyRequest, _payload: unknown, done: (err: Error | null, body?: unknown) => void) => {
      const raw = request.raw as IncomingMessage & { body?: unknown; rawBody?: Buffer };
      parser(raw, {} as Response, (err?: unknown) => {
        if (err) return done(err as Error);
        if (raw.rawBody) (request as FastifyRequest & { rawBody?: Buffer }).rawBody = raw.rawBody;
        done(null, raw.body);
      });
    };
  fastify.addContentTypeParser('application/json', parse(jsonParser));
  fastify.addContentTypeParser('application/x-www-form-urlencoded', parse(formParser));
  // Any other type: not read, no body (Express reads none either).
  fastify.addContentTypeParser(
    '*',
    (_request: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: null, body?: unknown) => void) => {
      payload.resume();
      payload.once('end', () => done(null, undefined));
    },
  );
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  ready.front = front(app);
  return app;
}
