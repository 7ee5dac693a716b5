import 'reflect-metadata';
import { ConfigError, loadConfig } from '@retain/config';
import { createWorkerApp } from './worker-app';

createWorkerApp(loadConfig()).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
