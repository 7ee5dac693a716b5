import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An API key bound to one principal. Only a SHA-256 digest of the secret is stored:
 * keys are 256-bit random values, so a slow password hash would add latency to every
 * request without adding safety. `prefix` is the public, indexed part used for lookup
 * and shown in listings. Integration keys will carry a webhook signing secret in a
 * column of their own (a later migration), next to the key they authenticate with.
 */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'principal_id', type: 'text' })
  principalId!: string;

  @Column({ type: 'text', unique: true })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
