import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Principal } from '../auth/api-key-store';
import { Access } from '../access/access.decorator';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { AppliesTextRulePerItem } from '../common/input-limits';
import { EventsService, type EventResult } from './events.service';

@ApiTags('integration events')
@ApiBearerAuth()
@ApiHeader({ name: 'webhook-id', required: true, description: 'Standard Webhooks message id' })
@ApiHeader({ name: 'webhook-timestamp', required: true, description: 'Unix seconds; more than 5 minutes off is refused' })
@ApiHeader({ name: 'webhook-signature', required: true, description: 'v1,<base64 HMAC-SHA256 of id.timestamp.body> (several, space-separated, during a secret rotation)' })
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @Access(['event', 'ingest'])
  @AppliesTextRulePerItem()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'One event, or { events: [...] } up to 500, signed per Standard Webhooks; a result per event (accepted, duplicate, rejected)' })
  async ingest(@Req() req: RawBodyRequest<Request>, @CurrentPrincipal() p: Principal): Promise<{ accepted: number; duplicates: number; rejected: number; results: EventResult[] }> {
    const webhookId = await this.events.verify(req.rawBody, req.headers, p);
    const { results } = await this.events.ingest(req.body as unknown, webhookId, p);
    const count = (s: EventResult['status']) => results.filter((r) => r.status === s).length;
    return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results };
  }
}
