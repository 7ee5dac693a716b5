import { Controller, Get, HttpCode, HttpStatus, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { ApiRequest } from '../http/http-exchange';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { AppliesTextRulePerItem } from '../common/input-limits';
import { Operation } from '../openapi/operation.decorator';
import { EventsService, type EventResult, type HeldEvent } from './events.service';
import { EVENTS_BODY_SCHEMA, EventsAcceptedView, HeldEventPage, ListHeldEventsQuery } from './events.view';

@ApiTags('integration events')
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @Access(['event', 'ingest'])
  @AppliesTextRulePerItem()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiHeader({
    name: 'webhook-id',
    required: true,
    description: 'Standard Webhooks message id',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiHeader({
    name: 'webhook-timestamp',
    required: true,
    description: 'Unix seconds; more than 5 minutes off is refused',
    schema: { type: 'string', pattern: '^\\d{1,12}$' },
  })
  @ApiHeader({
    name: 'webhook-signature',
    required: true,
    description: 'v1,<base64 HMAC-SHA256 of id.timestamp.body> (several, space-separated, during a secret rotation)',
    schema: { type: 'string', minLength: 1 },
  })
  @ApiBody({
    required: true,
    description: 'One event, or { events: [...] } up to 500',
    schema: EVENTS_BODY_SCHEMA as never,
  })
  @Operation({
    id: 'postEvents',
    summary:
      'One event, or { events: [...] } up to 500, signed per Standard Webhooks; a result per event (accepted, held for an account Retain does not know yet, duplicate, rejected). account_updated needs a key with the account_facts scope',
    ok: { status: 202, type: EventsAcceptedView, description: 'A result per event' },
    body: true,
  })
  async ingest(
    @Req() req: ApiRequest,
    @CurrentPrincipal() p: Principal,
  ): Promise<{ accepted: number; held: number; duplicates: number; rejected: number; results: EventResult[] }> {
    const webhookId = await this.events.verify(req.rawBody, req.headers, p);
    const { results } = await this.events.ingest(req.body, webhookId, p);
    const count = (s: EventResult['status']) => results.filter((r) => r.status === s).length;
    return {
      accepted: count('accepted'),
      held: count('held'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      results,
    };
  }

  @Get('held')
  @Access(['event', 'readHeld'])
  @Operation({
    id: 'listHeldEvents',
    summary:
      'Events that came for an account Retain did not know (cs_ops): held until the account exists, released, or expired; newest first, filter by source, account, state',
    ok: { status: 200, type: HeldEventPage, description: 'One page, newest held first' },
  })
  listHeld(@Query() q: ListHeldEventsQuery): Promise<{ items: HeldEvent[]; nextCursor: string | null }> {
    return this.events.listHeld(q);
  }
}
