import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
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
  MinLength,
  ValidateIf,
} from 'class-validator';
import { RENEWAL_DECISION_OUTCOMES, type RenewalDecisionOutcome } from '@retain/workflows';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, IsIsoCalendarDate, OptionalField } from '../../common/validators';

export class CompleteTaskDto {
  @ApiPropertyOptional({ maxLength: 2000, example: 'Reviewed with the team' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ResolveSignalDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'Asked about the competitor for a board report only' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason!: string;
}

export class RecordDecisionDto {
  @ApiProperty({ enum: RENEWAL_DECISION_OUTCOMES })
  @IsIn(RENEWAL_DECISION_OUTCOMES)
  outcome!: RenewalDecisionOutcome;

  @ApiPropertyOptional({
    description:
      'New ARR in US cents: required for expanded and downsized; a JSON number, never converted from a string',
    minimum: 0,
    maximum: 1e13,
  })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(1e13)
  newArrCents?: number;

  @ApiPropertyOptional({ description: "The reason in the customer's words; required for churned", maxLength: 2000 })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ example: 'DOC-2027-0042' })
  @OptionalField()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  signedContractRef?: string;
}

export class PatchRenewalDto {
  @ApiPropertyOptional({ example: '2027-04-30' })
  @OptionalField()
  @IsIsoCalendarDate()
  renewalDate?: string;

  @ApiPropertyOptional()
  @OptionalField()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  ownerCsmId?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  csmManagerId?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  salesRepId?: string | null;
}

export class CancelRenewalDto {
  @ApiProperty({ example: 'Account merged into its parent company', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class BatchLaunchDto {
  @ApiProperty({
    description: 'Up to 1,000 launches, each shaped like POST /renewals; each is validated on its own',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsObject({ each: true })
  items!: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    default: true,
    description:
      "Also open each account's early-warning workflow (idempotent: one already running is kept, nothing is " +
      'signalled twice); each item says whether it did. false launches the renewals only ' +
      '(docs/decisions/0014-batch-launch-opens-early-warning.md)',
  })
  @IsOptional()
  @IsBoolean()
  earlyWarning?: boolean;
}
