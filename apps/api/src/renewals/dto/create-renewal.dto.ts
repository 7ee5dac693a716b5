import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SEGMENTS, type Segment } from '@retain/domain';
import {
  BUSINESS_ID_MESSAGE,
  BUSINESS_ID_PATTERN,
  IsIsoCalendarDate,
  IsTimeZone,
  OptionalField,
} from '../../common/validators';
import {
  AccountContactDto,
  ContactField,
  CustomerSinceField,
  LifecycleStageField,
  VerticalField,
  type ProfileBody,
} from '../../accounts/dto/account-profile.dto';

/**
 * The account as a launch states it: its facts (absent people are none) and, optionally,
 * its profile (absent profile fields keep what the account has, null clears them).
 */
export class RenewalAccountDto implements ProfileBody {
  @ApiProperty({ example: 'acc-1042', description: 'The account id in the CRM' })
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  id!: string;

  @ApiProperty({ example: 'Acme KK' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 12_000_000, description: 'Annual recurring revenue in US cents' })
  @IsInt()
  @Min(0)
  @Max(1e13)
  arrCents!: number;

  @ApiProperty({ enum: SEGMENTS })
  @IsIn(SEGMENTS)
  segment!: Segment;

  @ApiProperty({ example: 'Asia/Tokyo' })
  @IsTimeZone()
  timeZone!: string;

  @ApiProperty({ example: 'u-csm-7', description: 'Principal id of the owner CSM' })
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  ownerCsmId!: string;

  @ApiPropertyOptional({ example: 'u-mgr-2', nullable: true, type: String, description: 'null or absent: none' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  csmManagerId?: string | null;

  @ApiPropertyOptional({ example: 'u-ae-3', nullable: true, type: String, description: 'null or absent: none' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  salesRepId?: string | null;

  @VerticalField() vertical?: ProfileBody['vertical'];
  @ContactField('executive sponsor') executiveSponsor?: AccountContactDto | null;
  @ContactField('champion') champion?: AccountContactDto | null;
  @LifecycleStageField() lifecycleStage?: ProfileBody['lifecycleStage'];
  @CustomerSinceField() customerSince?: ProfileBody['customerSince'];
}

export class CreateRenewalDto {
  @ApiProperty({ type: RenewalAccountDto })
  @ValidateNested()
  @Type(() => RenewalAccountDto)
  @IsObject()
  account!: RenewalAccountDto;

  @ApiProperty({ example: '2027-03-31', description: "Renewal date in the account's time zone" })
  @IsIsoCalendarDate()
  renewalDate!: string;

  @ApiPropertyOptional({
    description: 'Overrides of the policy defaults for this renewal (see RetainPolicy)',
    example: { renewal: { actionLocalHour: 10 } },
  })
  @OptionalField()
  @IsObject()
  policy?: Record<string, unknown>;
}
