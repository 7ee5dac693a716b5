import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { temporalCliPath, testServerPath } from './toolchain';

/** Temporal's Java time-skipping test server, through the provisioned launcher. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
}

/** A real Temporal dev server (the CLI's `server start-dev`), in memory, on a free port. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
    },
  });
}

export const uniqueTaskQueue = (name: string): string => `${name}-${randomUUID()}`;
