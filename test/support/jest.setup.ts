import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep the SDK's own logs to warnings and errors so test output stays readable. The
// runtime is per process; a later test file in the same jest worker finds it installed.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
