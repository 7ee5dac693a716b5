import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  RENEWAL_PHASES,
  RISK_CATEGORIES,
  SEGMENTS,
  type RenewalPhase,
  type RiskCategory,
  type Segment,
} from '@retain/domain';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, IsIsoCalendarDate, QueryInt } from '../../common/validators';

export class ListRenewalsQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;

  @ApiPropertyOptional({ enum: RENEWAL_PHASES })
  @IsOptional()
  @IsIn(RENEWAL_PHASES)
  phase?: RenewalPhase;

  @ApiPropertyOptional({ enum: RISK_CATEGORIES })
  @IsOptional()
  @IsIn(RISK_CATEGORIES)
  riskCategory?: RiskCategory;

  @ApiPropertyOptional({
    description: "The account's renewals (still only those the caller may see)",
    example: 'acc-1042',
    pattern: BUSINESS_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId?: string;

  @ApiPropertyOptional({ description: 'Owner CSM principal id' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  owner?: string;

  @ApiPropertyOptional({ enum: SEGMENTS })
  @IsOptional()
  @IsIn(SEGMENTS)
  segment?: Segment;

  @ApiPropertyOptional({ example: '2027-01-01' })
  @IsOptional()
  @IsIsoCalendarDate()
  renewalDateFrom?: string;

  @ApiPropertyOptional({ example: '2027-12-31' })
  @IsOptional()
  @IsIsoCalendarDate()
  renewalDateTo?: string;

  @ApiPropertyOptional({ description: 'Minimum ARR in cents', minimum: 0, maximum: 1e13 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(1e13)
  arrCentsMin?: number;

  @ApiPropertyOptional({ description: 'Maximum ARR in cents', minimum: 0, maximum: 1e13 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(1e13)
  arrCentsMax?: number;
}
