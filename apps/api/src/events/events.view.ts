import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INTEGRATION_EVENT_TYPES } from '@retain/domain';
import { ACCOUNT_ID_PART } from '../common/business-ids';
import { FieldErrorView } from '../problems/problem.view';

export class EventResultView {
  @ApiProperty({ description: 'Position in the batch (0 for a single event)' }) index!: number;
  @ApiProperty({ nullable: true, type: String }) eventId!: string | null;
  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected'] }) status!: string;
  @ApiPropertyOptional({ enum: ['invalid', 'unknown_account', 'forbidden'] }) reason?: string;
  @ApiPropertyOptional({ type: [FieldErrorView] }) errors?: FieldErrorView[];
}

export class EventsAcceptedView {
  @ApiProperty() accepted!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: [EventResultView] }) results!: EventResultView[];
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
