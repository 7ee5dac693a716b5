import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@retain/config';
import {
  claimDueCrmWriteBacks,
  markCrmWriteBackFailed,
  markCrmWriteBackSent,
  releaseCrmWriteBack,
  type ClaimedCrmWriteBack,
} from '@retain/persistence';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { OutboxPoller } from '../outbox-poller';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../notifications/notification-dispatcher';
import { CrmWriteError, type CrmRecordUpdate, type CrmRecordWriter } from './crm-record-writer';
import { crmWriteBackTarget, type CrmWriteBackTarget } from './crm-write-back-target';
import { HubSpotRecordWriter } from './hubspot-record-writer';
import { SalesforceRecordWriter } from './salesforce-record-writer';

/** A claimed row is another worker's to take only after this long: longer than any one write takes. */
export const CRM_WRITE_BACK_LEASE_MS = 120_000;
/** The longest a CRM's Retry-After is waited (the backoff's own longest wait). */
const RETRY_AFTER_CAP_MS = 3_600_000;

/** What a failed write leads to: given up (refused for good, or the last attempt), or another try after the backoff or the CRM's Retry-After, whichever is longer. */
export function afterCrmFailure(attempts: number, reason: unknown): { givenUp: boolean; delayMs: number } {
  const permanent = reason instanceof CrmWriteError && reason.permanent;
  if (permanent || attempts >= MAX_DELIVERY_ATTEMPTS) return { givenUp: true, delayMs: 0 };
  const asked = reason instanceof CrmWriteError && reason.retryAfterMs !== null ? reason.retryAfterMs : 0;
  return { givenUp: false, delayMs: Math.max(retryDelayMs(attempts), Math.min(asked, RETRY_AFTER_CAP_MS)) };
}

/** The record update for one account's claimed rows: each field's latest value, and when the latest of the account's changes was. */
export function recordUpdate(target: CrmWriteBackTarget, rows: readonly ClaimedCrmWriteBack[]): CrmRecordUpdate {
  const update: CrmRecordUpdate = {};
  for (const r of rows)
    update[r.field === 'risk_category' ? target.fields.riskCategory : target.fields.saveStatus] = r.value;
  const latest = Math.max(...rows.map((r) => r.recordChangedAt.getTime()));
  update[target.fields.updatedAt] = new Date(latest).toISOString();
  return update;
}

export interface CrmWriteBackPass {
  /** Accounts whose record took the update. */
  sent: number;
  /** Accounts whose write failed (retried later, or given up). */
  failed: number;
}

/** The writer for the deployment's CRM; null when the write-back is off. */
export function crmRecordWriter(config: AppConfig, target: CrmWriteBackTarget | null): CrmRecordWriter | null {
  if (!target) return null;
  return target.crm === 'hubspot'
    ? new HubSpotRecordWriter(target, config.CRM_ACCESS_TOKEN!)
    : new SalesforceRecordWriter(target, config);
}

/**
 * Sends the `crm_write_backs` outbox to the deployment's CRM (CRM_WRITEBACK;
 * docs/decisions/0013-crm-write-back.md), beside the Temporal worker as the notification
 * dispatcher is. Each pass claims the due pending rows for a lease, writes each
 * account's fields in one update of its CRM record, and marks each row sent, or failed
 * with a retry after 30 s doubling to an hour (or the CRM's longer Retry-After), given up
 * after MAX_DELIVERY_ATTEMPTS or at once when the CRM refuses for good. A row that took
 * a newer value while its write was under way stays claimed until that write ended, then
 * is released: the newer value goes out next, and an older one never lands after it. Several workers share the outbox (SKIP
 * LOCKED and the lease); a crash between a write and its mark writes again, which sets
 * the same values.
 */
@Injectable()
export class CrmWriteBackDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CrmWriteBackDispatcher.name);
  private readonly target: CrmWriteBackTarget | null;
  private readonly writer: CrmRecordWriter | null;
  private readonly poller: OutboxPoller;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {
    this.target = crmWriteBackTarget(config);
    this.writer = crmRecordWriter(config, this.target);
    this.poller = new OutboxPoller({
      pass: () => this.runOnce().then((r) => r.sent + r.failed > 0),
      intervalMs: config.CRM_WRITEBACK_POLL_INTERVAL_MS,
      logger: this.logger,
      failureMessage: 'CRM write-back pass failed; retrying',
    });
  }

  onApplicationBootstrap(): void {
    if (this.writer) this.poller.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /** One pass over the outbox at `now`; tests call it directly. */
  async runOnce(now: Date = new Date(), batchSize = 50): Promise<CrmWriteBackPass> {
    if (!this.writer || !this.target) return { sent: 0, failed: 0 };
    const claimed = await claimDueCrmWriteBacks(this.db, now, batchSize, CRM_WRITE_BACK_LEASE_MS);
    const byAccount = new Map<string, ClaimedCrmWriteBack[]>();
    for (const r of claimed) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
    let sent = 0;
    let failed = 0;
    // One account at a time: the CRMs' rate limits are per app, and a pass is small.
    for (const [accountId, rows] of byAccount) {
      try {
        await this.writer.write(accountId, recordUpdate(this.target, rows));
      } catch (reason) {
        failed += 1;
        await this.failed(rows, reason, now);
        continue;
      }
      sent += 1;
      for (const r of rows)
        if (!(await markCrmWriteBackSent(this.db, r, now))) await releaseCrmWriteBack(this.db, r, now);
      this.metrics?.crmWriteBacks.inc({ crm: this.writer.crm, outcome: 'sent' });
    }
    return { sent, failed };
  }

  private async failed(rows: ClaimedCrmWriteBack[], reason: unknown, now: Date): Promise<void> {
    const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
    const { givenUp, delayMs } = afterCrmFailure(attempts, reason);
    const message = (reason instanceof Error ? reason.message : String(reason)).slice(0, 1000);
    for (const r of rows) {
      const marked = await markCrmWriteBackFailed(this.db, r, {
        givenUp,
        nextAttemptAt: new Date(now.getTime() + delayMs),
        error: message,
      });
      if (!marked) await releaseCrmWriteBack(this.db, r, now);
    }
    const crm = this.writer!.crm;
    this.metrics?.crmWriteBacks.inc({ crm, outcome: givenUp ? 'failed_given_up' : 'failed_will_retry' });
    const what = `${crm} write-back of account ${rows[0]!.accountId} (${rows.map((r) => r.field).join(', ')})`;
    if (givenUp) this.logger.error(`${what} failed (attempt ${attempts}); giving up: ${message}`);
    else
      this.logger.warn(`${what} failed (attempt ${attempts}); retrying in ${Math.round(delayMs / 1000)} s: ${message}`);
  }
}
