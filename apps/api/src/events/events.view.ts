import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { INTEGRATION_EVENT_TYPES } from '@retain/domain';
import { ACCOUNT_ID_PART } from '../common/business-ids';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, QueryInt } from '../common/validators';
import { FieldErrorView } from '../problems/problem.view';

export class EventResultView {
  @ApiProperty({ description: 'Position in the batch (0 for a single event)' }) index!: number;
  @ApiProperty({ nullable: true, type: String }) eventId!: string | null;
  @ApiProperty({
    enum: ['accepted', 'held', 'duplicate', 'rejected'],
    description:
      'held: stored for an account Retain does not know yet, applied once the account exists (GET /events/held)',
  })
  status!: string;
  @ApiPropertyOptional({
    enum: ['invalid', 'unknown_account', 'forbidden'],
    description: 'unknown_account: an account_updated event for an account Retain does not know that lacks its facts',
  })
  reason?: string;
  @ApiPropertyOptional({ type: [FieldErrorView] }) errors?: FieldErrorView[];
}

export class EventsAcceptedView {
  @ApiProperty() accepted!: number;
  @ApiProperty({ description: 'Stored for an account Retain does not know yet' }) held!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: [EventResultView] }) results!: EventResultView[];
}

export class HeldEventView {
  @ApiProperty() source!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty({ enum: [...INTEGRATION_EVENT_TYPES] }) type!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty({
    enum: ['held', 'released', 'expired'],
    description:
      'held: waiting for its account; released: the account appeared, delivered to its workflow (deliveredAt) or about to be; expired: never delivered',
  })
  state!: string;
  @ApiProperty({ format: 'date-time' }) heldAt!: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'While held: when it expires unless its account appears first',
  })
  expiresAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) releasedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiredAt!: string | null;
  @ApiProperty({
    enum: ['lifetime', 'capacity'],
    nullable: true,
    type: String,
    description:
      'lifetime: held longer than the policy allows; capacity: beyond the integration’s share of held events',
  })
  expiryReason!: string | null;
}

export class HeldEventPage {
  @ApiProperty({ type: [HeldEventView] }) items!: HeldEventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListHeldEventsQuery {
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
  @ApiPropertyOptional({ description: "The integration's principal id" })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  source?: string;
  @ApiPropertyOptional({ example: 'acc-1042' })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId?: string;
  @ApiPropertyOptional({ enum: ['held', 'released', 'expired'] })
  @IsOptional()
  @IsIn(['held', 'released', 'expired'])
  state?: 'held' | 'released' | 'expired';
}

/** One event as integrations post it (the payload's fields depend on the type: docs/events.md, the catalogue). */
export const EVENT_SCHEMA = {
  type: 'object',
  required: ['eventId', 'source', 'accountId', 'type', 'occurredAt', 'payload'],
  additionalProperties: false,
  properties: {
    eventId: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$',
      description: 'Unique per source; a repeat is a duplicate',
    },
    source: { type: 'string', description: "The integration's principal id" },
    accountId: { type: 'string', pattern: `^${ACCOUNT_ID_PART}$` },
    type: { type: 'string', enum: [...INTEGRATION_EVENT_TYPES] },
    occurredAt: {
      type: 'string',
      format: 'date-time',
      description: 'A real instant with a zone, no more than 5 minutes ahead',
    },
    payload: {
      type: 'object',
      additionalProperties: true,
      description: "The type's fields (the catalogue in libs/domain event-catalogue.ts)",
    },
  },
} as const;

export const EVENTS_BODY_SCHEMA = {
  oneOf: [
    EVENT_SCHEMA,
    {
      type: 'object',
      required: ['events'],
      additionalProperties: false,
      properties: { events: { type: 'array', minItems: 1, maxItems: 500, items: EVENT_SCHEMA } },
    },
  ],
};
