import 'reflect-metadata';
import { ConfigError, loadConfig } from '@retain/config';
import { installTemporalRuntimeLogging } from './temporal-runtime-logging';
import { createWorkerApp } from './worker-app';

function main(): Promise<unknown> {
  const config = loadConfig();
  // Before the first Temporal connection: the SDK's and its native core's logs as JSON lines, and
  // the core's metrics where the worker's /metrics reads them (none without a /metrics).
  const coreMetrics = config.WORKER_METRICS_ADDRESS !== 'off' && config.WORKER_TEMPORAL_METRICS_ADDRESS !== 'off';
  installTemporalRuntimeLogging(
    config.LOG_LEVEL as 'info',
    undefined,
    coreMetrics ? config.WORKER_TEMPORAL_METRICS_ADDRESS : undefined,
  );
  return createWorkerApp(config);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
