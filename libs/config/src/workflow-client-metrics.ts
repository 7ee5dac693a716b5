import type { WorkflowClientInterceptor } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { Counter, type Registry } from 'prom-client';

/** The series of WorkflowClientMetrics, for the dashboard's consistency test. */
export const WORKFLOW_CLIENT_METRIC_NAMES = [
  'retain_workflow_starts_total',
  'retain_workflow_signals_total',
  'retain_workflow_updates_total',
] as const;

/**
 * What a process sends to workflows through its Temporal client, counted by an
 * interceptor on that client (the api's, and the worker's for follow-up launches, the
 * event relay and account-people changes), so no call site can forget it:
 * - starts by workflow type: `started`, `already_started` (the business-key id exists),
 *   `failed`;
 * - signals by signal name (a signal-with-start counts as its signal): `sent`, `failed`;
 * - updates by update name: `completed`, `refused` (a validator or the handler refused
 *   it: the 4xx the caller sees), `accepted` (not finished within the call), `failed`.
 */
export class WorkflowClientMetrics {
  readonly starts: Counter<'type' | 'outcome'>;
  readonly signals: Counter<'type' | 'outcome'>;
  readonly updates: Counter<'type' | 'outcome'>;

  constructor(registry: Registry) {
    const [starts, signals, updates] = WORKFLOW_CLIENT_METRIC_NAMES;
    this.starts = new Counter({
      name: starts,
      help: 'Workflow starts this process asked Temporal for, by workflow type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.signals = new Counter({
      name: signals,
      help: 'Signals this process sent to workflows (signal-with-start included), by signal name and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    this.updates = new Counter({
      name: updates,
      help: 'Updates this process sent to workflows, by update name and outcome (refused: a validator or handler said no)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
  }

  /** The interceptor to give the Temporal Client (`interceptors: { workflow: [it] }`). */
  readonly interceptor: WorkflowClientInterceptor = {
    startWithDetails: async (input, next) => {
      try {
        const out = await next(input);
        this.starts.inc({ type: input.workflowType, outcome: 'started' });
        return out;
      } catch (error) {
        const outcome = error instanceof WorkflowExecutionAlreadyStartedError ? 'already_started' : 'failed';
        this.starts.inc({ type: input.workflowType, outcome });
        throw error;
      }
    },
    signal: async (input, next) => {
      try {
        await next(input);
        this.signals.inc({ type: input.signalName, outcome: 'sent' });
      } catch (error) {
        this.signals.inc({ type: input.signalName, outcome: 'failed' });
        throw error;
      }
    },
    signalWithStart: async (input, next) => {
      try {
        const runId = await next(input);
        this.signals.inc({ type: input.signalName, outcome: 'sent' });
        return runId;
      } catch (error) {
        this.signals.inc({ type: input.signalName, outcome: 'failed' });
        throw error;
      }
    },
    startUpdate: async (input, next) => {
      try {
        const out = await next(input);
        const outcome = out.outcome?.failure ? 'refused' : out.outcome?.success ? 'completed' : 'accepted';
        this.updates.inc({ type: input.updateName, outcome });
        return out;
      } catch (error) {
        this.updates.inc({ type: input.updateName, outcome: 'failed' });
        throw error;
      }
    },
  };
}
