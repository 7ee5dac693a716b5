import { Controller, Get, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsISO8601, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import type { DataSource } from 'typeorm';
import { listAudit } from '@retain/persistence';
import { Access } from '../access/access.decorator';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { QueryInt } from '../common/validators';
import { Operation } from '../openapi/operation.decorator';

const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,299}$/;

export class ListAuditQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor" })
  @IsOptional()
  @MaxLength(500)
  cursor?: string;
  @ApiPropertyOptional({ description: 'Who acted (a principal id, `workflow`, `cli:<user>`)' })
  @IsOptional()
  @Matches(SUBJECT, { message: 'actorId must be an id' })
  actorId?: string;
  @ApiPropertyOptional({ example: 'concession.approved', description: 'subject.verb' })
  @IsOptional()
  @Matches(/^[a-z_]{1,40}\.[a-z_]{1,40}$/, { message: 'action must be subject.verb, e.g. concession.approved' })
  action?: string;
  @ApiPropertyOptional({ enum: ['save', 'account', 'principal', 'alert'] })
  @IsOptional()
  @Matches(/^(save|account|principal|alert)$/, { message: 'subjectType must be save, account, principal or alert' })
  subjectType?: string;
  @ApiPropertyOptional({ example: 'save:acc-1042:2027-03-31' })
  @IsOptional()
  @Matches(SUBJECT, { message: 'subjectId must be an id' })
  subjectId?: string;
  @ApiPropertyOptional({ example: 'acc-1042' })
  @IsOptional()
  @Matches(SUBJECT, { message: 'accountId must be an id' })
  accountId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;
}

export class AuditLogEntryView {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actorId!: string;
  @ApiProperty({ nullable: true, type: String }) actorRole!: string | null;
  @ApiProperty({ example: 'concession.approved' }) action!: string;
  @ApiProperty() subjectType!: string;
  @ApiProperty() subjectId!: string;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditLogEntryView] }) items!: AuditLogEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/**
 * `GET /audit`: the append-only log of authority-relevant acts, newest first, for
 * directors and VPs. Reads the table's one SQL module (libs/persistence audit-log.sql.ts).
 */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @Access(['audit', 'read'])
  @Operation({
    id: 'listAudit',
    summary:
      'Authority-relevant acts (directors, VPs): concession decisions and refusals, escalations, keys issued and revoked, role and account-people changes, suppression windows',
    ok: { status: 200, type: AuditLogPage, description: 'One page, newest first' },
  })
  async list(@Query() q: ListAuditQuery): Promise<AuditLogPage> {
    const limit = q.limit ?? 50;
    const beforeSeq = q.cursor ? Number(decodeCursor(q.cursor, ['seq'])[0]) : undefined;
    const rows = await listAudit(this.db, {
      limit,
      ...(q.actorId ? { actorId: q.actorId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.subjectType ? { subjectType: q.subjectType } : {}),
      ...(q.subjectId ? { subjectId: q.subjectId } : {}),
      ...(q.accountId ? { accountId: q.accountId } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.seq)]) : null };
  }
}
