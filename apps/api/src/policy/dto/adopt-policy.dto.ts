import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { OptionalField } from '../../common/validators';

/** A back-test's id as `POST /policy/backtests` gives it: letters, digits and `._:-`. */
export const BACKTEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

export class AdoptPolicyDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The candidate: settings over the policy in force (any part of RetainPolicy), or a whole policy. Its `version` is the new version when no adoption or deployment has it yet; otherwise one is derived (`<its version, or the one in force>+adopted.<n>`, the first n not taken)',
    example: {
      version: '2026-12-17.usage-30',
      earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 30, mid_market: 30, smb: 25 } } } },
    },
  })
  @IsObject()
  policy!: Record<string, unknown>;

  @ApiProperty({ description: 'Why it is adopted (kept with the adoption and in the audit log)', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;

  @ApiPropertyOptional({
    description: 'The back-test that justified it (`POST /policy/backtests`), named in the audit log',
    example: 'backtest:2026-12-17T08:00:00Z:4f2a',
  })
  @OptionalField()
  @IsString()
  @Matches(BACKTEST_ID_PATTERN, { message: 'backtestId: letters, digits and ._:- only, at most 200' })
  backtestId?: string;
}
