import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IsIsoCalendarDate } from '../../common/validators';
import {
  CONTACT_EMAIL_MAX,
  CONTACT_EMAIL_PATTERN,
  CONTACT_NAME_MAX,
  CONTACT_TITLE_MAX,
  LIFECYCLE_STAGES,
  VERTICALS,
  type LifecycleStage,
  type Vertical,
} from '@retain/domain';

/** Some text that is not only spaces. */
const NOT_BLANK = /\S/;

/** A person on the customer's side as cs_ops names them (the bounds of libs/domain/src/accounts/account-profile.ts). */
export class AccountContactDto {
  @ApiProperty({ example: 'Dana Lee', maxLength: CONTACT_NAME_MAX })
  @IsString()
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @MaxLength(CONTACT_NAME_MAX)
  name!: string;

  @ApiPropertyOptional({ example: 'dana.lee@acme.example', nullable: true, type: String, maxLength: CONTACT_EMAIL_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(CONTACT_EMAIL_MAX)
  @Matches(CONTACT_EMAIL_PATTERN, { message: '$property must be an email address' })
  email?: string | null;

  @ApiPropertyOptional({ example: 'CFO', nullable: true, type: String, maxLength: CONTACT_TITLE_MAX })
  @IsOptional()
  @IsString()
  @Matches(NOT_BLANK, { message: '$property must not be blank' })
  @MaxLength(CONTACT_TITLE_MAX)
  title?: string | null;
}

/**
 * The profile fields of an account body (`account` of a launch, `PATCH /accounts/{id}`):
 * each optional; absent leaves the profile's value as it is, null clears it.
 */
export function VerticalField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      enum: VERTICALS,
      nullable: true,
      description: "The account's industry (education has its own seasonal windows); null clears it, absent keeps it",
    }),
    IsOptional(),
    IsIn(VERTICALS),
  );
}

export function LifecycleStageField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      enum: LIFECYCLE_STAGES,
      nullable: true,
      description:
        'Where the customer stands: onboarding, adoption, maturity, renewal; null clears it, absent keeps it',
    }),
    IsOptional(),
    IsIn(LIFECYCLE_STAGES),
  );
}

export function CustomerSinceField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      format: 'date',
      example: '2023-06-15',
      nullable: true,
      description:
        'Since when the company is a customer (YYYY-MM-DD): the start of its tenure in the programme metrics; null clears it, absent keeps it',
    }),
    IsOptional(),
    IsIsoCalendarDate(),
  );
}

export function ContactField(who: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: AccountContactDto,
      nullable: true,
      description: `The customer's ${who}; null clears it, absent keeps it. Naming one replaces the contact on record`,
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => AccountContactDto),
  );
}

export type ProfileBody = {
  vertical?: Vertical | null;
  executiveSponsor?: AccountContactDto | null;
  champion?: AccountContactDto | null;
  lifecycleStage?: LifecycleStage | null;
  customerSince?: string | null;
};

export class AccountContactView {
  @ApiProperty({ example: 'Dana Lee' }) name!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) title!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When a sponsor departure reported this person gone; null while in place',
  })
  departedAt!: string | null;
}
