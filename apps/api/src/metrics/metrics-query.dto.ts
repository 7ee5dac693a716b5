import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, IsIsoCalendarDate } from '../common/validators';

export const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;

/** The most dimensions one request groups by. */
export const MAX_GROUP_BY = 3;

/**
 * The query every metrics route takes (docs/metrics.md, "Conventions"): the period, the
 * dimensions to group by (each route names the ones it allows) and the filters. The
 * cross-field rules (to not before from, at most 36 months, known dimensions) are
 * checked by metricsRequest.
 */
export class MetricsQuery {
  @ApiPropertyOptional({
    format: 'date',
    example: '2026-01-01',
    description: 'First day of the period (UTC, included); default: the day after `to` less 12 months',
  })
  @IsOptional()
  @IsIsoCalendarDate()
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    example: '2026-12-31',
    description: 'Last day of the period (UTC, included); default today. At most 36 months after `from`',
  })
  @IsOptional()
  @IsIsoCalendarDate()
  to?: string;

  @ApiPropertyOptional({
    example: 'segment,csm',
    description: `Dimensions to group by, comma separated, at most ${MAX_GROUP_BY}, from those the route names`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  groupBy?: string;

  @ApiPropertyOptional({ enum: SEGMENTS })
  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: string;

  @ApiPropertyOptional({ example: 'csm-1', description: 'Only the rows of this owner CSM' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  csmId?: string;

  @ApiPropertyOptional({ example: 'mgr-1', description: 'Only the rows of this CSM manager (team)' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  teamId?: string;

  @ApiPropertyOptional({
    example: '2026-12-01.10',
    description: 'Only the rows of workflows that carry this policy version',
  })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'policyVersion must be 1-200 printable characters without spaces' })
  policyVersion?: string;
}
