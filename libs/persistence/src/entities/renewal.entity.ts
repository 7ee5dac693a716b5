import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RenewalPhase, RenewalTimeBand, Segment } from '@retain/domain';
import { bigintToNumber } from './transformers';

export type RenewalStatus = 'active' | 'closed' | 'cancelled';

/**
 * Read model of a renewal workflow, written only by the workflow's activities. Each
 * write carries the workflow's revision counter and is applied only if newer, so a
 * retried or late activity never moves the row backwards.
 */
@Entity({ name: 'renewals' })
export class RenewalEntity {
  /** The workflow id: a business key of account and renewal date. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'account_id', type: 'text' })
  accountId!: string;

  @Column({ name: 'renewal_date', type: 'date' })
  renewalDate!: string;

  @Column({ type: 'text' })
  status!: RenewalStatus;

  @Column({ type: 'text' })
  phase!: RenewalPhase;

  @Column({ name: 'time_band', type: 'text' })
  timeBand!: RenewalTimeBand;

  @Column({ name: 'risk_category', type: 'text', nullable: true })
  riskCategory!: string | null;

  @Column({ name: 'arr_cents', type: 'bigint', transformer: bigintToNumber })
  arrCents!: number;

  @Column({ type: 'text' })
  segment!: Segment;

  @Column({ name: 'owner_csm_id', type: 'text' })
  ownerCsmId!: string;

  @Column({ name: 'next_milestone_phase', type: 'text', nullable: true })
  nextMilestonePhase!: RenewalPhase | null;

  @Column({ name: 'next_milestone_at', type: 'timestamptz', nullable: true })
  nextMilestoneAt!: Date | null;

  @Column({ name: 'original_renewal_date', type: 'date' })
  originalRenewalDate!: string;

  @Column({ type: 'jsonb' })
  health!: Record<string, unknown>;

  @Column({ name: 'classification_history', type: 'jsonb' })
  classificationHistory!: Array<{
    at: string;
    category: string;
    reasons: Array<{ kind: string; family?: string; text: string }>;
    cause: string;
  }>;

  @Column({ type: 'jsonb', nullable: true })
  ownership!: {
    model: string;
    owners: Array<{ role: string; principalId: string | null; responsibility: string }>;
    salesInvolved: boolean;
    reason: string;
  } | null;

  @Column({ type: 'jsonb', nullable: true })
  decision!: Record<string, unknown> | null;

  @Column({ name: 'save_request', type: 'jsonb', nullable: true })
  saveRequest!: { requestedAt: string; reason: string; saveId?: string | null; startedBy?: string | null } | null;

  @Column({ type: 'jsonb', nullable: true })
  exception!: { kind: string; flaggedAt: string; escalations: string[] } | null;

  @Column({ type: 'jsonb', nullable: true })
  cancellation!: { at: string; by: string; reason: string } | null;

  @Column({ name: 'post_renewal_started_at', type: 'timestamptz', nullable: true })
  postRenewalStartedAt!: Date | null;

  @Column({ name: 'next_term_renewal_id', type: 'text', nullable: true })
  nextTermRenewalId!: string | null;

  @Column({ name: 'policy_version', type: 'text' })
  policyVersion!: string;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
