import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AccountContact, LifecycleStage, Segment, Vertical } from '@retain/domain';
import { bigintToNumber } from './transformers';

/** A customer company, as last reported by the workflows that run for it. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'arr_cents', type: 'bigint', transformer: bigintToNumber })
  arrCents!: number;

  @Column({ type: 'text' })
  segment!: Segment;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone!: string;

  @Column({ name: 'owner_csm_id', type: 'text' })
  ownerCsmId!: string;

  @Column({ name: 'csm_manager_id', type: 'text', nullable: true })
  csmManagerId!: string | null;

  @Column({ name: 'sales_rep_id', type: 'text', nullable: true })
  salesRepId!: string | null;

  @Column({ type: 'text', nullable: true })
  vertical!: Vertical | null;

  @Column({ name: 'executive_sponsor', type: 'jsonb', nullable: true })
  executiveSponsor!: AccountContact | null;

  @Column({ type: 'jsonb', nullable: true })
  champion!: AccountContact | null;

  @Column({ name: 'lifecycle_stage', type: 'text', nullable: true })
  lifecycleStage!: LifecycleStage | null;

  /** Since when the company is a customer (YYYY-MM-DD). */
  @Column({ name: 'customer_since', type: 'date', nullable: true })
  customerSince!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
