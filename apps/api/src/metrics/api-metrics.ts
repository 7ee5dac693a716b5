import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import {
  AppConfig,
  MetricsServer,
  WORKFLOW_CLIENT_METRIC_NAMES,
  WorkflowClientMetrics,
  parseListenAddress,
  registerProcessMetrics,
} from '@retain/config';

/** Seconds: from a cached read (a few ms) to a slow live query or a bulk import (10 s). */
export const HTTP_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The api's own series (besides Node's process_* and nodejs_*), for the dashboard's consistency test. */
export const API_METRIC_NAMES = ['retain_http_request_duration_seconds', ...WORKFLOW_CLIENT_METRIC_NAMES] as const;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The api's metrics, in one registry of its own (so the api and a worker in one test
 * process do not mix): the HTTP requests it answered, by route template, method and
 * status; what it sent to workflows (WorkflowClientMetrics, on its Temporal client);
 * Node's process metrics. Served on API_METRICS_ADDRESS, not on the public port
 * (docs/decisions/0008-prometheus.md).
 */
@Injectable()
export class ApiMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiMetrics.name);
  readonly registry = new Registry();
  readonly httpRequests = new Histogram({
    name: 'retain_http_request_duration_seconds',
    help: 'Time to answer an HTTP request of the api, by method, route template (unmatched: no route) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly workflows = new WorkflowClientMetrics(this.registry);
  private server?: MetricsServer;

  constructor(private readonly config: AppConfig) {
    registerProcessMetrics(this.registry);
  }

  async onApplicationBootstrap(): Promise<void> {
    const address = parseListenAddress(this.config.API_METRICS_ADDRESS);
    if (!address) return;
    this.server = await MetricsServer.listen('API_METRICS_ADDRESS', address, async () => ({
      contentType: this.registry.contentType,
      body: await this.registry.metrics(),
    }));
    this.logger.log(`Prometheus metrics at ${this.server.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  /** Where the metrics are served (undefined when API_METRICS_ADDRESS is off). */
  get url(): string | undefined {
    return this.server?.url;
  }

  /**
   * Called first for every request, on either HTTP stack (apps/api/src/http/http-platform.ts):
   * times it until its answer is written (or the client went away: status `aborted`),
   * labelled with the route's template (`/saves/:id`, never the URL with its ids;
   * `unmatched` for a path no controller serves), so the series stay few. `route` is
   * asked once the answer is written, when the stack knows the route.
   */
  readonly timeRequest = (req: IncomingMessage, res: ServerResponse, route: () => string | undefined): void => {
    const stop = this.httpRequests.startTimer();
    let done = false;
    const record = (status: string) => {
      if (done) return;
      done = true;
      const method = req.method ?? '';
      stop({ method: METHODS.has(method) ? method : 'other', route: route() ?? 'unmatched', status });
    };
    res.once('finish', () => record(String(res.statusCode)));
    res.once('close', () => record(res.writableFinished ? String(res.statusCode) : 'aborted'));
  };
}
