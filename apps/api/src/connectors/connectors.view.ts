import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CONNECTOR_EVENT_STATES } from '@retain/persistence';
import { QueryInt } from '../common/validators';

const STATE_DESCRIPTION =
  'mapped: its signals went into the event inbox; held: they did, held for an account Retain does not know yet (GET /events/held); ignored: a type the mapping does not turn into a signal; refused: the mapping could not read it (no account id, no amount: see reason), or the renewal command it made was refused (see reason); applied: a renewal opportunity that launched, rescheduled or decided the account’s renewal (docs/decisions/0012)';

export class ConnectorEventResultView {
  @ApiProperty({ description: "The vendor's own event id (unique per connector)" }) vendorEventId!: string;
  @ApiProperty({ description: "The vendor's event type (invoice.payment_failed, ...)" }) vendorType!: string;
  @ApiProperty({ enum: [...CONNECTOR_EVENT_STATES], description: STATE_DESCRIPTION }) state!: string;
  @ApiProperty({ description: 'Received before: nothing new was stored or applied' }) duplicate!: boolean;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty({ type: [String], description: 'The inbox events it became (source: the connector secret’s principal)' })
  inboxEventIds!: string[];
}

export class ConnectorReceiptView {
  @ApiProperty({ type: [ConnectorEventResultView] }) results!: ConnectorEventResultView[];
}

export class ConnectorEventView {
  @ApiProperty() connector!: string;
  @ApiProperty() vendorEventId!: string;
  @ApiProperty() vendorType!: string;
  @ApiProperty({ enum: [...CONNECTOR_EVENT_STATES], description: STATE_DESCRIPTION }) state!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) accountId!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) occurredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ description: 'The integration principal of the secret that signed it' }) source!: string;
  @ApiProperty({ type: [String] }) inboxEventIds!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The vendor event as received' })
  payload!: Record<string, unknown>;
}

export class ConnectorEventPage {
  @ApiProperty({ type: [ConnectorEventView] }) items!: ConnectorEventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListConnectorEventsQuery {
  @ApiPropertyOptional({ enum: [...CONNECTOR_EVENT_STATES] })
  @IsOptional()
  @IsIn([...CONNECTOR_EVENT_STATES])
  state?: (typeof CONNECTOR_EVENT_STATES)[number];
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
}

/** A vendor's webhook body: its own JSON object, read by the connector's mapping. */
export const VENDOR_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  description: "The vendor's event as it sends it (free-form JSON object); signed by the vendor",
} as const;

/** HubSpot's webhook body: a batch of its events, read by the connector's mapping. */
export const HUBSPOT_BODY_SCHEMA = {
  type: 'array',
  minItems: 1,
  maxItems: 1000,
  items: { type: 'object', additionalProperties: true },
  description:
    "HubSpot's events as it sends them (eventId, subscriptionType, portalId, objectId, occurredAt, propertyName, propertyValue, ...); signed by HubSpot",
} as const;
