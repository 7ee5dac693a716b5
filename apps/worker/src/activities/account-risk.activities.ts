import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AccountRiskActivities, HealthReadingRecord } from '@retain/workflows';

/** The account workflow's activities. Idempotent: a reading is stored once per (source, event id). */
@Injectable()
export class AccountRiskReadModelActivities implements AccountRiskActivities {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  readonly recordHealthReading = async (r: HealthReadingRecord): Promise<void> => {
    await this.db.query(
      `INSERT INTO account_health_observations (account_id, observed_at, health_score, usage_change_pct, source, event_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING`,
      [r.accountId, r.observedAt, r.healthScore, r.usageChangePct, r.source, r.eventId],
    );
  };
}
