import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '@retain/config';

/**
 * The api's Temporal client. The connection is lazy so the api starts (and reports
 * itself not ready on /health) while Temporal is down, instead of crash-looping.
 */
@Injectable()
export class TemporalClientProvider implements OnApplicationShutdown {
  readonly connection: Connection;
  readonly client: Client;

  constructor(config: AppConfig) {
    this.connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
    this.client = new Client({ connection: this.connection, namespace: config.TEMPORAL_NAMESPACE });
  }

  /** Resolves when the frontend answers; rejects after `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    await this.connection.withDeadline(Date.now() + timeoutMs, () => this.connection.workflowService.getSystemInfo({}));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
