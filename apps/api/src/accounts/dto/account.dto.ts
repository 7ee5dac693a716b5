import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ALERT_GROUPS, LIFECYCLE_STAGES, SEGMENTS, VERTICALS, type AlertGroup, type Segment } from '@retain/domain';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, IsTimeZone, OptionalField } from '../../common/validators';
import {
  AccountContactDto,
  AccountContactView,
  ContactField,
  CustomerSinceField,
  LifecycleStageField,
  VerticalField,
  type ProfileBody,
} from './account-profile.dto';

export class SuppressionDto {
  @ApiProperty({ example: '2027-08-01', description: 'ISO date (inclusive, account time zone) or instant' })
  @IsString()
  @MaxLength(40)
  from!: string;
  @ApiProperty({
    example: '2027-08-31',
    description: 'ISO date (inclusive) or instant (exclusive); at most a year after from, and two years from now',
  })
  @IsString()
  @MaxLength(40)
  to!: string;
  @ApiPropertyOptional({ enum: ALERT_GROUPS, isArray: true, description: 'Signal groups to hold back; none means all' })
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(8)
  @IsIn(ALERT_GROUPS, { each: true })
  groups?: AlertGroup[];
  @ApiProperty({ example: 'Summer shutdown' }) @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

/**
 * A change of an account's facts by cs_ops: the fields given change; null clears the CSM
 * manager, the sales rep or a profile field.
 */
export class PatchAccountDto implements ProfileBody {
  @ApiPropertyOptional({ example: 'Acme KK', maxLength: 200 })
  @OptionalField()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;
  @ApiPropertyOptional({ example: 12_000_000, minimum: 0, maximum: 1e13, description: 'ARR in US cents' })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(1e13)
  arrCents?: number;
  @ApiPropertyOptional({ enum: SEGMENTS }) @OptionalField() @IsIn(SEGMENTS) segment?: Segment;
  @ApiPropertyOptional({ example: 'Asia/Tokyo' }) @OptionalField() @IsTimeZone() timeZone?: string;
  @ApiPropertyOptional({ pattern: BUSINESS_ID_PATTERN.source })
  @OptionalField()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  ownerCsmId?: string;
  @ApiPropertyOptional({ pattern: BUSINESS_ID_PATTERN.source, nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  csmManagerId?: string | null;
  @ApiPropertyOptional({ pattern: BUSINESS_ID_PATTERN.source, nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  salesRepId?: string | null;
  @VerticalField() vertical?: ProfileBody['vertical'];
  @ContactField('executive sponsor') executiveSponsor?: AccountContactDto | null;
  @ContactField('champion') champion?: AccountContactDto | null;
  @LifecycleStageField() lifecycleStage?: ProfileBody['lifecycleStage'];
  @CustomerSinceField() customerSince?: ProfileBody['customerSince'];
}

export class AccountView {
  @ApiProperty({ example: 'acc-1042' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'ARR in US cents' }) arrCents!: number;
  @ApiProperty({ enum: SEGMENTS }) segment!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty() ownerCsmId!: string;
  @ApiProperty({ nullable: true, type: String }) csmManagerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) salesRepId!: string | null;
  @ApiProperty({ type: String, enum: VERTICALS, nullable: true }) vertical!: string | null;
  @ApiProperty({ type: AccountContactView, nullable: true, description: 'Marked departed by a sponsor departure' })
  executiveSponsor!: AccountContactView | null;
  @ApiProperty({ type: AccountContactView, nullable: true }) champion!: AccountContactView | null;
  @ApiProperty({ type: String, enum: LIFECYCLE_STAGES, nullable: true }) lifecycleStage!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'Since when the company is a customer' })
  customerSince!: string | null;
}

export class SuppressionView {
  @ApiProperty({ description: 'The caller and the Idempotency-Key, or a generated id' }) id!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ enum: ALERT_GROUPS, isArray: true }) groups!: string[];
  @ApiProperty() reason!: string;
  @ApiProperty() by!: string;
  @ApiProperty() at!: string;
}

export class SuppressionRemovedView {
  @ApiProperty() id!: string;
  @ApiProperty() removedAt!: string;
  @ApiProperty() removedBy!: string;
}

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

export class AccountRiskView {
  @ApiProperty() accountId!: string;
  @ApiProperty({ ...FREE_OBJECT, nullable: true, description: "Null until the account's first event" })
  signals!: unknown;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) suppressions!: unknown[];
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) openAlerts!: unknown[];
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) healthTrend!: unknown[];
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) activeRenewals!: unknown[];
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) activeSave!: unknown;
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) activeMonitoring!: unknown;
}
