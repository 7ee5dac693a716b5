import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '@retain/config';
import { ApiMetrics } from '../metrics/api-metrics';

/**
 * The api's Temporal client. The connection is lazy so the api starts (and reports
 * itself not ready on /health) while Temporal is down, instead of crash-looping. What it
 * starts, signals and updates is counted (ApiMetrics) by an interceptor.
 */
@Injectable()
export class TemporalClientProvider implements OnApplicationShutdown {
  readonly connection: Connection;
  readonly client: Client;

  constructor(config: AppConfig, metrics: ApiMetrics) {
    this.connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
    this.client = new Client({
      connection: this.connection,
      namespace: config.TEMPORAL_NAMESPACE,
      interceptors: { workflow: [metrics.workflows.interceptor] },
    });
  }

  /** Resolves when the frontend answers; rejects after `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    await this.connection.withDeadline(Date.now() + timeoutMs, () => this.connection.workflowService.getSystemInfo({}));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
