import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, QueryInt, OptionalField } from '../common/validators';

export class ListAlertsQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId?: string;
  @ApiPropertyOptional({ enum: ['P0', 'P1', 'P2', 'P3'] })
  @IsOptional()
  @IsIn(['P0', 'P1', 'P2', 'P3'])
  severity?: string;
  @ApiPropertyOptional({
    enum: ['open', 'acknowledged', 'resolved', 'escalated'],
    description: 'escalated: open and past at least one escalation step',
  })
  @IsOptional()
  @IsIn(['open', 'acknowledged', 'resolved', 'escalated'])
  state?: string;
  @ApiPropertyOptional({
    enum: ['usage', 'engagement', 'sentiment', 'support', 'business', 'competition', 'commercial', 'health'],
  })
  @IsOptional()
  @IsIn(['usage', 'engagement', 'sentiment', 'support', 'business', 'competition', 'commercial', 'health'])
  group?: string;
  @ApiPropertyOptional({ description: 'The CSM the alert is assigned to' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  assignee?: string;
}

export class HandleAlertDto {
  @ApiPropertyOptional({ description: 'What was done (resolve)' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  resolution?: string;
}

export class CompleteAlertTaskDto {
  @ApiPropertyOptional({ maxLength: 2000, example: 'Successor identified; contract renews in 5 months' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
