import { Body, Controller, Delete, Get, Headers, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { idempotencyKey } from '../common/idempotency-key';
import { AccountsService } from './accounts.service';
import { PatchAccountDto, SuppressionDto } from './dto/account.dto';

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get(':accountId')
  @Access(['account', 'read'])
  @ApiOperation({ summary: 'The account\'s facts: name, ARR, segment, time zone, owner CSM, CSM manager, sales rep' })
  get(@Param('accountId') accountId: string, @CurrentPrincipal() p: Principal) {
    return this.accounts.get(accountId, p);
  }

  @Patch(':accountId')
  @Access(['account', 'changeFacts'])
  @ApiOperation({ summary: 'Change the account\'s facts (cs_ops): the fields given change; a change of its people reaches its open renewals' })
  change(@Param('accountId') accountId: string, @Body() body: PatchAccountDto, @CurrentPrincipal() p: Principal) {
    return this.accounts.change(accountId, body, p);
  }

  @Post(':accountId/suppressions')
  @Access(['account', 'suppress'])
  @ApiOperation({ summary: 'A planned low-usage window (holidays, migrations): alerts of its groups are held back while it lasts' })
  addSuppression(@Param('accountId') accountId: string, @Body() body: SuppressionDto, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string) {
    return this.accounts.addSuppression(accountId, body, p, idempotencyKey(key));
  }

  @Delete(':accountId/suppressions/:suppressionId')
  @Access(['account', 'suppress'])
  @ApiOperation({ summary: 'Ends a suppression window early: alerts of its groups are no longer held back (404 when the window is not on the account)' })
  removeSuppression(@Param('accountId') accountId: string, @Param('suppressionId') suppressionId: string, @CurrentPrincipal() p: Principal, @Headers('idempotency-key') key?: string) {
    return this.accounts.removeSuppression(accountId, suppressionId, p, idempotencyKey(key));
  }

  @Get(':accountId/risk')
  @Access(['account', 'read'])
  @ApiOperation({ summary: 'Current signals, open alerts, health trend, suppressions, and the active renewal, save and monitoring' })
  risk(@Param('accountId') accountId: string, @CurrentPrincipal() p: Principal) {
    return this.accounts.risk(accountId, p);
  }
}
