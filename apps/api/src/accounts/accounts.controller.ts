import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { BUSINESS_ID_PATTERN } from '../common/validators';
import { Operation } from '../openapi/operation.decorator';
import { AccountsService } from './accounts.service';
import {
  AccountRiskView,
  AccountView,
  PatchAccountDto,
  SuppressionDto,
  SuppressionRemovedView,
  SuppressionView,
} from './dto/account.dto';

const ACCOUNT = { name: 'accountId', pattern: BUSINESS_ID_PATTERN.source, example: 'acc-1042' };

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get(':accountId')
  @Access(['account', 'read'])
  @Operation({
    id: 'getAccount',
    summary: "The account's facts: name, ARR, segment, time zone, owner CSM, CSM manager, sales rep",
    ok: { status: 200, type: AccountView, description: 'The account' },
    params: [ACCOUNT],
    notFound: true,
  })
  get(@Param('accountId') accountId: string, @CurrentPrincipal() p: Principal) {
    return this.accounts.get(accountId, p);
  }

  @Patch(':accountId')
  @Access(['account', 'changeFacts'])
  @Operation({
    id: 'changeAccount',
    summary:
      "Change the account's facts (cs_ops): the fields given change, audited; a change of its people reaches its open renewals",
    ok: {
      status: 200,
      type: AccountView,
      description: 'The account after the change',
      links: { GetAccount: { operationId: 'getAccount', parameters: { accountId: '$response.body#/id' } } },
    },
    params: [ACCOUNT],
    body: true,
    notFound: true,
  })
  change(@Param('accountId') accountId: string, @Body() body: PatchAccountDto, @CurrentPrincipal() p: Principal) {
    return this.accounts.change(accountId, body, p);
  }

  @Post(':accountId/suppressions')
  @Access(['account', 'suppress'])
  @Operation({
    id: 'addSuppression',
    summary:
      'A planned low-usage window (holidays, migrations): alerts of its groups are held back while it lasts (audited)',
    ok: { status: 201, type: SuppressionView, description: 'The window' },
    params: [ACCOUNT],
    body: true,
    notFound: true,
    idempotent: true,
  })
  addSuppression(
    @Param('accountId') accountId: string,
    @Body() body: SuppressionDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ) {
    return this.accounts.addSuppression(accountId, body, p, key);
  }

  @Delete(':accountId/suppressions/:suppressionId')
  @Access(['account', 'suppress'])
  @Operation({
    id: 'removeSuppression',
    summary:
      'Ends a suppression window early: alerts of its groups are no longer held back (404 when the window is not on the account; audited)',
    ok: { status: 200, type: SuppressionRemovedView, description: 'Ended' },
    params: [
      ACCOUNT,
      { name: 'suppressionId', pattern: '^[^/]{1,300}$', example: 'suppression:6f1c2d4e-0b7a-4e8f-9c1d-2a3b4c5d6e7f' },
    ],
    notFound: true,
    idempotent: true,
  })
  removeSuppression(
    @Param('accountId') accountId: string,
    @Param('suppressionId') suppressionId: string,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ) {
    return this.accounts.removeSuppression(accountId, suppressionId, p, key);
  }

  @Get(':accountId/risk')
  @Access(['account', 'read'])
  @Operation({
    id: 'getAccountRisk',
    summary: 'Current signals, open alerts, health trend, suppressions, and the active renewal, save and monitoring',
    ok: { status: 200, type: AccountRiskView, description: "The account's risk" },
    params: [ACCOUNT],
    notFound: true,
  })
  risk(@Param('accountId') accountId: string, @CurrentPrincipal() p: Principal) {
    return this.accounts.risk(accountId, p);
  }
}
