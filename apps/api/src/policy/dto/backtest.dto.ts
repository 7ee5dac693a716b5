import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsIsoCalendarDate, OptionalField, QueryInt } from '../../common/validators';

/**
 * A back-test request (docs/policy-lab.md): the period and, optionally, a candidate (the
 * policy in force with these overrides) and a threshold sweep. The cross-field rules
 * (to not before from, at most 36 months, a sweep that names a policy number) and the
 * policy's own checks are the service's.
 */
export class StartBacktestDto {
  @ApiProperty({ format: 'date', example: '2026-01-01', description: 'First day of the period (UTC, included)' })
  @IsIsoCalendarDate()
  from!: string;

  @ApiProperty({ format: 'date', example: '2026-12-31', description: 'Last day of the period (UTC, included)' })
  @IsIsoCalendarDate()
  to!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'The candidate: overrides on the policy in force (a policy file\'s settings; see GET /policy), run beside it as "candidate"',
    example: { earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 30 } } } } },
  })
  @OptionalField()
  @IsObject()
  candidate?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 'earlyWarning.usage.activeUsers.dropPctBySegment.enterprise=20..50:5',
    description:
      'A threshold sweep `path=from..to:step` over the candidate (or the policy in force): one policy per value, both ends included',
  })
  @OptionalField()
  @IsString()
  @MaxLength(300)
  sweep?: string;
}

/** Cancelling a back-test: why, for whoever reads it later (optional). */
export class CancelBacktestDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'wrong period' })
  @OptionalField()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/** `GET /policy/backtests`: a page of back-tests, newest first, optionally of one status. */
export class ListBacktestsQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;

  @ApiPropertyOptional({ enum: ['queued', 'running', 'done', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['queued', 'running', 'done', 'failed', 'cancelled'])
  status?: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
}
