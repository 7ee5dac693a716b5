import 'reflect-metadata';
import { ConfigError, loadConfig } from '@retain/config';
import { installTemporalRuntimeLogging } from './temporal-runtime-logging';
import { createWorkerApp } from './worker-app';

function main(): Promise<unknown> {
  const config = loadConfig();
  // Before the first Temporal connection: the SDK's and its native core's logs as JSON lines.
  installTemporalRuntimeLogging(config.LOG_LEVEL as 'info');
  return createWorkerApp(config);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
