import { Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '@retain/config';
import { WorkerMetrics } from './metrics/worker-metrics';

/**
 * The worker's Temporal client, for what a worker starts or signals outside a workflow
 * (follow-up launches, the event relay). Lazy, so the worker boots while Temporal is
 * still coming up. What it starts, signals and updates is counted (WorkerMetrics).
 */
@Injectable()
export class WorkerTemporalClient implements OnApplicationShutdown {
  private connection?: Connection;
  private instance?: Client;

  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {}

  get client(): Client {
    if (!this.instance) {
      this.connection = Connection.lazy({ address: this.config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
      this.instance = new Client({
        connection: this.connection,
        namespace: this.config.TEMPORAL_NAMESPACE,
        ...(this.metrics ? { interceptors: { workflow: [this.metrics.workflows.interceptor] } } : {}),
      });
    }
    return this.instance;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.close();
  }
}
