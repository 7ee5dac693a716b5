import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { NativeConnection, Worker } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { AppConfig } from '@retain/config';
import { DEFAULT_POLICY } from '@retain/domain';
import { registerDurably, registeredPolicies } from '@retain/persistence';
import { RenewalReadModelActivities } from './activities/renewal-read-model.activities';
import { AccountRiskReadModelActivities } from './activities/account-risk.activities';
import { AccountPeopleActivities } from './activities/account-people.activities';
import { PolicyBacktestActivities } from './activities/policy-backtest.activities';
import { FollowUpReadModelActivities } from './activities/follow-up.activities';
import { SaveEffortReadModelActivities } from './activities/save-effort.activities';
import { FollowUpLauncher } from './follow-up-launcher';
import type { WorkerActivities } from '../../../workflows/worker-activities';
import { WORKFLOWS_ENTRY, bundleWorkflows, registerPolicies } from './workflow-bundle';
import { workerTuningOptions } from './worker-tuning';

/**
 * Hosts the Temporal Worker inside the Nest application context: creates it on
 * bootstrap with the activities Nest built, runs it, and shuts it down (letting running
 * activities finish within the grace period) when the application closes.
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TemporalWorkerService.name);
  private worker?: Worker;
  private connection?: NativeConnection;
  private running?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly renewalActivities: RenewalReadModelActivities,
    private readonly saveActivities: SaveEffortReadModelActivities,
    private readonly followUpActivities: FollowUpReadModelActivities,
    private readonly launcher: FollowUpLauncher,
    private readonly accountRiskActivities: AccountRiskReadModelActivities,
    private readonly accountPeople: AccountPeopleActivities,
    private readonly backtests: PolicyBacktestActivities,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config;
    this.connection = await NativeConnection.connect({ address: c.TEMPORAL_ADDRESS });
    const bundle = c.WORKFLOW_BUNDLE_PATH
      ? { code: await readFile(c.WORKFLOW_BUNDLE_PATH, 'utf8') }
      : await bundleWorkflows(WORKFLOWS_ENTRY);
    // The policies lean workflow inputs name by version (docs/decisions/0010-lean-workflow-inputs.md):
    // this worker's own, written to the durable registry, and every one registered before.
    const own = registeredPolicies(c.policy, DEFAULT_POLICY);
    const policies = await registerDurably(this.db, own, (problem) => this.logger.error(problem));
    const workflowSource = { workflowBundle: registerPolicies(bundle, policies) };
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      ...workflowSource,
      activities: {
        recordRenewalState: this.renewalActivities.recordRenewalState.bind(this.renewalActivities),
        notify: this.renewalActivities.notify.bind(this.renewalActivities),
        recordSaveState: this.saveActivities.recordSaveState.bind(this.saveActivities),
        launchFollowUp: this.launcher.launchFollowUp,
        readLatestHealth: this.followUpActivities.readLatestHealth,
        findOpenRenewal: this.followUpActivities.findOpenRenewal,
        recordMonitoringState: this.followUpActivities.recordMonitoringState,
        markPostSave: this.followUpActivities.markPostSave,
        recordWinBackState: this.followUpActivities.recordWinBackState,
        recordHealthReading: this.accountRiskActivities.recordHealthReading,
        loadAccountContext: this.accountRiskActivities.loadAccountContext,
        recordAlert: this.accountRiskActivities.recordAlert,
        upsertAlertNotification: this.accountRiskActivities.upsertAlertNotification,
        propagateAccountPeople: this.accountPeople.propagateAccountPeople,
        startBacktest: this.backtests.startBacktest,
        backtestAccountsPage: this.backtests.backtestAccountsPage,
        recordBacktestProgress: this.backtests.recordBacktestProgress,
        finishBacktest: this.backtests.finishBacktest,
      } satisfies WorkerActivities,
      shutdownGraceTime: `${c.WORKER_SHUTDOWN_GRACE_SECONDS} seconds`,
      ...workerTuningOptions(c),
    });
    this.running = this.worker.run().catch((error: unknown) => {
      this.logger.error({ err: error }, 'the Temporal worker stopped with an error; exiting');
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
    this.logger.log(
      {
        taskQueue: c.TEMPORAL_TASK_QUEUE,
        namespace: c.TEMPORAL_NAMESPACE,
        bundle: c.WORKFLOW_BUNDLE_PATH ?? 'built at start',
        registeredPolicies: policies.map((p) => `${p.version} ${p.digest}`),
      },
      'Temporal worker running',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.connection?.close();
    // The worker has drained (no page in hand): the back-test's replay threads can end.
    await this.backtests.close();
  }
}
