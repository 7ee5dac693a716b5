import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@retain/domain';

export type PrincipalKind = 'person' | 'integration';

/**
 * Someone or something that calls the API: a person with one role (and a manager, so
 * escalation chains resolve), or an integration (CRM, billing, ...).
 */
@Entity({ name: 'principals' })
export class PrincipalEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ type: 'text' })
  role!: Role;

  @Column({ type: 'text' })
  kind!: PrincipalKind;

  @Column({ name: 'manager_id', type: 'text', nullable: true })
  managerId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
