import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import {
  AppConfig,
  MetricsServer,
  WORKFLOW_CLIENT_METRIC_NAMES,
  WorkflowClientMetrics,
  connectHost,
  parseListenAddress,
  registerProcessMetrics,
  type MetricsExposition,
} from '@retain/config';
import { dueDeliveriesByChannel, dueUndispatchedNotifications, inboxBacklog } from '@retain/persistence';

/** A scrape waits this long at most for the backlog figures from PostgreSQL (statement timeout and pool wait). */
export const BACKLOG_QUERY_TIMEOUT_MS = 2_000;
/** …and this long for the Temporal SDK core's metrics. */
export const CORE_METRICS_FETCH_TIMEOUT_MS = 2_000;

/**
 * The worker's own series (besides Node's process_* and nodejs_*, and the Temporal SDK
 * core's temporal_* appended to each scrape), for the dashboard's consistency test.
 */
export const WORKER_METRIC_NAMES = [
  ...WORKFLOW_CLIENT_METRIC_NAMES,
  'retain_alerts_raised_total',
  'retain_sla_escalations_total',
  'retain_notification_deliveries_total',
  'retain_crm_write_backs_total',
  'retain_inbox_events',
  'retain_inbox_relay_lag_seconds',
  'retain_notification_outbox_due',
  'retain_notification_outbox_lag_seconds',
  'retain_backlog_collect_success',
  'retain_temporal_core_metrics_up',
] as const;

/**
 * The Temporal SDK core's series the dashboard shows, with their types (of those the
 * core serves on WORKER_TEMPORAL_METRICS_ADDRESS, named as temporalCoreMetrics asks),
 * which the metrics end-to-end test finds so in a live worker's scrape.
 */
export const TEMPORAL_CORE_METRICS = {
  temporal_worker_task_slots_available: 'gauge',
  temporal_worker_task_slots_used: 'gauge',
  temporal_num_pollers: 'gauge',
  temporal_sticky_cache_size: 'gauge',
  temporal_workflow_task_schedule_to_start_latency_seconds: 'histogram',
  temporal_workflow_task_execution_latency_seconds: 'histogram',
  temporal_activity_schedule_to_start_latency_seconds: 'histogram',
  temporal_activity_execution_latency_seconds: 'histogram',
  temporal_request_latency_seconds: 'histogram',
} as const satisfies Record<string, 'counter' | 'gauge' | 'histogram'>;

/**
 * The SLA escalations counted, by the audit action that records each (once, by its
 * dedupe key), and their `sla` label: an alert nobody acknowledged in its response SLA
 * climbing the chain, and a concession request not decided in the approval SLA.
 */
export const SLA_ESCALATION_ACTIONS: Readonly<Record<string, string>> = {
  'alert.escalated': 'alert_response',
  'concession.escalated': 'concession_approval',
};

/** How a delivery attempt ended, the `outcome` of retain_notification_deliveries_total. */
export type DeliveryOutcome = 'delivered' | 'failed_will_retry' | 'failed_given_up';

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The worker's metrics, in one registry of its own: alerts raised by severity, SLA
 * escalations, notification deliveries by channel and outcome (counted where the
 * worker's activities and dispatcher write them, after the write committed, and only
 * when the write was new: a retried activity counts nothing twice); what it sends to
 * workflows (WorkflowClientMetrics, on its Temporal client); the backlogs of the event
 * inbox and of the notification outbox, read from PostgreSQL at each scrape (every
 * worker reports the same figures: take max() across workers); Node's process metrics.
 * Each scrape appends the Temporal SDK core's own worker metrics, which the core serves
 * on WORKER_TEMPORAL_METRICS_ADDRESS. Served on WORKER_METRICS_ADDRESS
 * (docs/decisions/0008-prometheus.md).
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetrics.name);
  readonly registry = new Registry();
  readonly workflows = new WorkflowClientMetrics(this.registry);
  readonly alertsRaised = new Counter({
    name: 'retain_alerts_raised_total',
    help: 'Early-warning alerts raised (first written to the read model), by severity',
    labelNames: ['severity'],
    registers: [this.registry],
  });
  readonly slaEscalations = new Counter({
    name: 'retain_sla_escalations_total',
    help: 'SLA escalations recorded: alert_response (an unacknowledged alert climbs) and concession_approval (an undecided request climbs)',
    labelNames: ['sla'],
    registers: [this.registry],
  });
  readonly notificationDeliveries = new Counter({
    name: 'retain_notification_deliveries_total',
    help: 'Notification deliveries attempted, by channel and outcome: delivered, failed_will_retry, failed_given_up',
    labelNames: ['channel', 'outcome'],
    registers: [this.registry],
  });
  readonly crmWriteBacks = new Counter({
    name: 'retain_crm_write_backs_total',
    help: 'CRM record write-backs attempted (one per account and update), by crm and outcome: sent, failed_will_retry, failed_given_up',
    labelNames: ['crm', 'outcome'],
    registers: [this.registry],
  });
  private readonly inboxEvents = new Gauge({
    name: 'retain_inbox_events',
    help: 'Events in the inbox not delivered yet, by state: deliverable (waiting for the relay), held (their account is not known yet)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly relayLag = new Gauge({
    name: 'retain_inbox_relay_lag_seconds',
    help: 'How long the oldest deliverable event has waited for the relay (0 when none waits)',
    registers: [this.registry],
  });
  private readonly outboxDue = new Gauge({
    name: 'retain_notification_outbox_due',
    help: 'Notification outbox items due and waiting, by stage: dispatch (no deliveries made yet), send (deliveries to send)',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  private readonly outboxLag = new Gauge({
    name: 'retain_notification_outbox_lag_seconds',
    help: 'How long the oldest due notification or delivery has waited (0 when none waits)',
    registers: [this.registry],
  });
  private readonly backlogCollected = new Gauge({
    name: 'retain_backlog_collect_success',
    help: 'Whether this scrape read the inbox and outbox backlogs from PostgreSQL (1) or not (0: their gauges are NaN)',
    registers: [this.registry],
  });
  private readonly coreUp = new Gauge({
    name: 'retain_temporal_core_metrics_up',
    help: "Whether this scrape carries the Temporal SDK core's metrics (0: WORKER_TEMPORAL_METRICS_ADDRESS is off or did not answer)",
    registers: [this.registry],
  });
  private readonly coreUrl: string | undefined;
  private server?: MetricsServer;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    registerProcessMetrics(this.registry);
    const core = parseListenAddress(config.WORKER_TEMPORAL_METRICS_ADDRESS);
    this.coreUrl = core ? `http://${connectHost(core)}:${core.port}/metrics` : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const address = parseListenAddress(this.config.WORKER_METRICS_ADDRESS);
    if (!address) return;
    this.server = await MetricsServer.listen('WORKER_METRICS_ADDRESS', address, () => this.exposition());
    this.logger.log(`Prometheus metrics at ${this.server.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }

  /** Where the metrics are served (undefined when WORKER_METRICS_ADDRESS is off). */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** Counts the SLA escalations among audit actions just recorded (appendAudit's answer). */
  countSlaEscalations(recordedActions: readonly string[]): void {
    for (const action of recordedActions) {
      const sla = SLA_ESCALATION_ACTIONS[action];
      if (sla) this.slaEscalations.inc({ sla });
    }
  }

  /** One scrape: the backlogs read now, this registry, then the core's text. */
  async exposition(): Promise<MetricsExposition> {
    const [, core] = await Promise.all([this.backlogNow(), this.coreMetrics()]);
    return { contentType: this.registry.contentType, body: (await this.registry.metrics()) + core };
  }

  /** The backlog read of the scrape under way, if one is, or a new one: overlapping scrapes hold one pool connection, not one each. */
  private backlogRead: Promise<void> | null = null;

  private backlogNow(): Promise<void> {
    this.backlogRead ??= this.collectBacklog().finally(() => {
      this.backlogRead = null;
    });
    return this.backlogRead;
  }

  private async collectBacklog(): Promise<void> {
    try {
      const [inbox, undispatched, deliveries] = await withTimeout(
        this.db.transaction(async (em) => {
          await em.query(`SET LOCAL statement_timeout = ${BACKLOG_QUERY_TIMEOUT_MS}`);
          return [await inboxBacklog(em), await dueUndispatchedNotifications(em), await dueDeliveriesByChannel(em)];
        }),
        BACKLOG_QUERY_TIMEOUT_MS,
        'reading the backlogs',
      );
      this.inboxEvents.set({ state: 'deliverable' }, inbox.deliverable);
      this.inboxEvents.set({ state: 'held' }, inbox.held);
      this.relayLag.set(inbox.oldestDeliverableAgeSeconds);
      this.outboxDue.set({ stage: 'dispatch' }, undispatched.count);
      this.outboxDue.set(
        { stage: 'send' },
        deliveries.reduce((n, d) => n + d.count, 0),
      );
      this.outboxLag.set(Math.max(undispatched.oldestDueSeconds, ...deliveries.map((d) => d.oldestDueSeconds)));
      this.backlogCollected.set(1);
    } catch (error) {
      // Unknown, not zero: a dashboard shows a gap, and retain_backlog_collect_success says why.
      for (const state of ['deliverable', 'held']) this.inboxEvents.set({ state }, NaN);
      for (const stage of ['dispatch', 'send']) this.outboxDue.set({ stage }, NaN);
      this.relayLag.set(NaN);
      this.outboxLag.set(NaN);
      this.backlogCollected.set(0);
      this.logger.warn({ err: error }, 'metrics: the inbox and outbox backlogs could not be read');
    }
  }

  private async coreMetrics(): Promise<string> {
    if (!this.coreUrl) {
      this.coreUp.set(0);
      return '';
    }
    try {
      const res = await fetch(this.coreUrl, { signal: AbortSignal.timeout(CORE_METRICS_FETCH_TIMEOUT_MS) });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const text = await res.text();
      this.coreUp.set(1);
      return text === '' || text.endsWith('\n') ? text : `${text}\n`;
    } catch (error) {
      this.coreUp.set(0);
      this.logger.debug(
        { err: error },
        `metrics: the Temporal SDK core's metrics at ${this.coreUrl} could not be read`,
      );
      return '';
    }
  }
}
