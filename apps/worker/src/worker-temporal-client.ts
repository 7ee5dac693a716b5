import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '@retain/config';

/**
 * The worker's Temporal client, for what a worker starts or signals outside a workflow
 * (follow-up launches, the event relay). Lazy, so the worker boots while Temporal is
 * still coming up.
 */
@Injectable()
export class WorkerTemporalClient implements OnApplicationShutdown {
  private connection?: Connection;
  private instance?: Client;

  constructor(private readonly config: AppConfig) {}

  get client(): Client {
    if (!this.instance) {
      this.connection = Connection.lazy({ address: this.config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
      this.instance = new Client({ connection: this.connection, namespace: this.config.TEMPORAL_NAMESPACE });
    }
    return this.instance;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.close();
  }
}
