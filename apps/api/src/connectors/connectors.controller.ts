import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { requestHost, requestUrl, type ApiRequest } from '../http/http-exchange';
import { CONNECTOR_NAMES, rolesFor } from '@retain/domain';
import { Access } from '../access/access.decorator';
import { Signed } from '../auth/roles.decorator';
import { Operation } from '../openapi/operation.decorator';
import { ConnectorsService, type ConnectorEventResult, type ConnectorEventView } from './connectors.service';
import {
  ConnectorEventPage,
  ConnectorReceiptView,
  HUBSPOT_BODY_SCHEMA,
  ListConnectorEventsQuery,
  VENDOR_BODY_SCHEMA,
} from './connectors.view';

/**
 * Vendor webhooks (docs/connectors/README.md): one route per vendor, signed by the
 * vendor's own scheme instead of an API key; each answers 200 once the vendor event is
 * stored (a vendor retries anything else), whatever it became.
 */
@ApiTags('connectors')
@Controller('connectors')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Post('stripe')
  @Signed(...rolesFor('connector', 'receive'))
  @HttpCode(HttpStatus.OK)
  @ApiHeader({
    name: 'Stripe-Signature',
    required: true,
    description:
      't=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the endpoint secret> (several v1 during a roll); more than the mapping’s tolerance (300 s) from now is refused',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiBody({ required: true, description: 'A Stripe event object', schema: VENDOR_BODY_SCHEMA as never })
  @Operation({
    id: 'receiveStripe',
    summary:
      'A Stripe webhook event (docs/connectors/stripe.md): a failed invoice becomes a payment failure, an invoice paid after failures a payment recovery (it resolves the payment failure alert), a shorter billing term a term request, fewer seats a downsell request, a deleted subscription a cancellation; stored once per Stripe event id',
    ok: { status: 200, type: ConnectorReceiptView, description: 'What the event became' },
    body: true,
    signed: true,
  })
  async receiveStripe(@Req() req: ApiRequest): Promise<{ results: ConnectorEventResult[] }> {
    return this.connectors.receive('stripe', { rawBody: req.rawBody, headers: req.headers, body: req.body });
  }

  @Post('zendesk')
  @Signed(...rolesFor('connector', 'receive'))
  @HttpCode(HttpStatus.OK)
  @ApiHeader({
    name: 'X-Zendesk-Webhook-Signature',
    required: true,
    description: 'base64 HMAC-SHA256 of timestamp + body with the webhook’s signing secret',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiHeader({
    name: 'X-Zendesk-Webhook-Signature-Timestamp',
    required: true,
    description: 'ISO 8601; more than the mapping’s tolerance (300 s) from now is refused',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiBody({ required: true, description: 'A Zendesk webhook event', schema: VENDOR_BODY_SCHEMA as never })
  @Operation({
    id: 'receiveZendesk',
    summary:
      'A Zendesk webhook event (docs/connectors/zendesk.md): tickets created, re-prioritised, solved, reopened and rated become the support signals; stored once per Zendesk event id',
    ok: { status: 200, type: ConnectorReceiptView, description: 'What the event became' },
    body: true,
    signed: true,
  })
  async receiveZendesk(@Req() req: ApiRequest): Promise<{ results: ConnectorEventResult[] }> {
    return this.connectors.receive('zendesk', {
      rawBody: req.rawBody,
      headers: req.headers,
      body: req.body,
    });
  }

  @Post('hubspot')
  @Signed(...rolesFor('connector', 'receive'))
  @HttpCode(HttpStatus.OK)
  @ApiHeader({
    name: 'X-HubSpot-Signature-v3',
    required: true,
    description:
      'base64 HMAC-SHA256 of method + full request URI + body + timestamp with the HubSpot app’s client secret',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiHeader({
    name: 'X-HubSpot-Request-Timestamp',
    required: true,
    description: 'Unix milliseconds; more than the mapping’s tolerance (300 s) from now is refused',
    schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
  })
  @ApiBody({ required: true, description: 'A HubSpot webhook batch', schema: HUBSPOT_BODY_SCHEMA as never })
  @Operation({
    id: 'receiveHubSpot',
    summary:
      'A HubSpot webhook batch (docs/connectors/hubspot.md): a contact losing the executive sponsor or champion role, or leaving, becomes a sponsor departure or stakeholder change, a meeting outcome a meeting held or cancelled, a note flagged at risk the CSM’s flag; each event stored once per HubSpot eventId',
    ok: { status: 200, type: ConnectorReceiptView, description: 'What each event of the batch became, in its order' },
    body: true,
    signed: true,
  })
  async receiveHubSpot(@Req() req: ApiRequest): Promise<{ results: ConnectorEventResult[] }> {
    return this.connectors.receive('hubspot', {
      rawBody: req.rawBody,
      headers: req.headers,
      body: req.body,
      method: req.method,
      // The URI HubSpot called: behind a proxy, API_TRUST_PROXY makes protocol and host the forwarded ones.
      uri: `${req.protocol}://${requestHost(req)}${requestUrl(req)}`,
    });
  }

  @Post('salesforce')
  @Signed(...rolesFor('connector', 'receive'))
  @HttpCode(HttpStatus.OK)
  @ApiHeader({
    name: 'X-Retain-Relay-Signature',
    required: true,
    description:
      'v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the connector secret shared with the relay> (several v1, comma-separated, during a rotation)',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiHeader({
    name: 'X-Retain-Relay-Timestamp',
    required: true,
    description: 'Unix seconds; more than the mapping’s tolerance (300 s) from now is refused',
    schema: { type: 'string', pattern: '^[0-9]{1,12}$' },
  })
  @ApiBody({
    required: true,
    description: 'A Salesforce change event (or platform event) in the Streaming API message form, relayed',
    schema: VENDOR_BODY_SCHEMA as never,
  })
  @Operation({
    id: 'receiveSalesforce',
    summary:
      'A Salesforce Change Data Capture event forwarded by a signing relay (docs/connectors/salesforce.md): a contact role losing Executive Sponsor or Champion becomes a sponsor departure or stakeholder change, an activity’s meeting outcome a meeting held or cancelled, its risk flag the CSM’s flag; a renewal opportunity created, moved or closed launches, reschedules or decides the renewal when the mapping opts in and the secret holds the renewals scope (403 otherwise, nothing stored); stored once per change event',
    ok: { status: 200, type: ConnectorReceiptView, description: 'What the event became' },
    body: true,
    signed: true,
  })
  async receiveSalesforce(@Req() req: ApiRequest): Promise<{ results: ConnectorEventResult[] }> {
    return this.connectors.receive('salesforce', {
      rawBody: req.rawBody,
      headers: req.headers,
      body: req.body,
    });
  }

  @Post('segment')
  @Signed(...rolesFor('connector', 'receive'))
  @HttpCode(HttpStatus.OK)
  @ApiHeader({
    name: 'X-Signature',
    required: true,
    description:
      'hex HMAC-SHA1 of the body with the webhook destination’s shared secret; Segment signs no timestamp: replays are bounded by messageId (counted once) and the call’s timestamp (maxEventAgeHours)',
    schema: { type: 'string', pattern: '^[0-9a-fA-F]{40}$' },
  })
  @ApiBody({
    required: true,
    description: 'A Segment call (track, identify, ...)',
    schema: VENDOR_BODY_SCHEMA as never,
  })
  @Operation({
    id: 'receiveSegment',
    summary:
      'A Segment call from its webhook destination (docs/connectors/segment.md): track and identify calls count once per messageId into the account’s day, and the day’s usage reading (trailing-7-day figures) goes to the account’s workflow when it changes; unmapped event names are stored as ignored',
    ok: { status: 200, type: ConnectorReceiptView, description: 'What the call became' },
    body: true,
    signed: true,
  })
  async receiveSegment(@Req() req: ApiRequest): Promise<{ results: ConnectorEventResult[] }> {
    return this.connectors.receive('segment', {
      rawBody: req.rawBody,
      headers: req.headers,
      body: req.body,
    });
  }

  @Get(':name/events')
  @Access(['connector', 'readEvents'])
  @Operation({
    id: 'listConnectorEvents',
    summary:
      'The vendor events a connector received (cs_ops), newest first: mapped, held, ignored (unknown or unmapped types) or refused, with the raw payload',
    ok: { status: 200, type: ConnectorEventPage, description: 'One page, newest received first' },
    params: [{ name: 'name', enum: CONNECTOR_NAMES, example: 'stripe' }],
    notFound: true,
  })
  list(
    @Param('name') name: string,
    @Query() q: ListConnectorEventsQuery,
  ): Promise<{ items: ConnectorEventView[]; nextCursor: string | null }> {
    return this.connectors.list(name, q);
  }
}
