import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ROOT_CAUSES, type RootCause } from '@retain/workflows';
import {
  ACCOUNT_FACTS_ARE_READ,
  BUSINESS_ID_MESSAGE,
  BUSINESS_ID_PATTERN,
  IsAbsent,
  IsIsoCalendarDate,
  QueryInt,
  OptionalField,
} from '../../common/validators';

export class MonitoringPromiseDto {
  @ApiProperty({ example: 'Ship the SSO integration' }) @IsString() @IsNotEmpty() @MaxLength(2000) description!: string;
  @ApiProperty() @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE }) ownerId!: string;
  @ApiProperty({ example: '2027-03-01T17:00:00Z' }) @IsISO8601({ strict: true }) dueAt!: string;
}

/** Post-save monitoring for an account saved outside Retain (a save run here starts its own). */
export class StartMonitoringDto {
  @ApiProperty({
    example: 'acc-1042',
    pattern: BUSINESS_ID_PATTERN.source,
    description: 'The account, as launched by cs_ops or sent by the CRM; its facts are read from Retain',
  })
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId!: string;
  @IsAbsent({ message: ACCOUNT_FACTS_ARE_READ }) account?: never;
  @ApiProperty({ example: '2027-03-31', description: 'The date of the renewal that was saved; keys the monitoring' })
  @IsIsoCalendarDate()
  renewalDate!: string;
  @ApiPropertyOptional({ description: 'When the account was saved (default: now); not in the future' })
  @OptionalField()
  @IsISO8601({ strict: true })
  savedAt?: string;
  @ApiProperty({ type: [String], example: ['usage down 45%'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  triggerReasons!: string[];
  @ApiPropertyOptional({ enum: ROOT_CAUSES }) @OptionalField() @IsIn(ROOT_CAUSES) rootCause?: RootCause;
  @ApiPropertyOptional({ type: [MonitoringPromiseDto], description: 'Commitments made during the save (up to 50)' })
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => MonitoringPromiseDto)
  promises?: MonitoringPromiseDto[];
}

export class PromiseStatusDto {
  @ApiProperty({
    enum: ['delivered', 'verified', 'missed'],
    description: 'verified: the customer confirmed they see the result',
  })
  @IsIn(['delivered', 'verified', 'missed'])
  state!: 'delivered' | 'verified' | 'missed';
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

export class CompleteFollowUpTaskDto {
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

export class WinBackOutcomeDto {
  @ApiProperty({ enum: ['won_back', 'declined', 'no_response'] })
  @IsIn(['won_back', 'declined', 'no_response'])
  result!: 'won_back' | 'declined' | 'no_response';
  @ApiPropertyOptional({ description: 'Won back: the new ARR in US cents' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(100_000_000_000)
  newArrCents?: number;
  @ApiPropertyOptional({ description: 'Won back: the new renewal date (default: a term from today)' })
  @OptionalField()
  @IsIsoCalendarDate()
  renewalDate?: string;
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

export class ListWinBacksQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ enum: ['active', 'won_back', 'declined', 'no_response'] })
  @IsOptional()
  @IsIn(['active', 'won_back', 'declined', 'no_response'])
  status?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE }) owner?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId?: string;
}
