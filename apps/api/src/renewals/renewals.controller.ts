import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PERSON_ROLES } from '@retain/domain';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import { CreateRenewalDto } from './dto/create-renewal.dto';
import { ListRenewalsQuery } from './dto/list-renewals.query';
import { RenewalLaunchView, RenewalPage, RenewalView } from './dto/renewal.view';
import { RenewalsService } from './renewals.service';

@ApiTags('renewals')
@ApiBearerAuth()
@Controller('renewals')
export class RenewalsController {
  constructor(private readonly renewals: RenewalsService) {}

  @Post()
  @Roles('cs_ops')
  @ApiOperation({ summary: 'Launch the renewal workflow for one account and renewal date' })
  @ApiCreatedResponse({ type: RenewalLaunchView, description: 'Started' })
  @ApiOkResponse({ type: RenewalLaunchView, description: 'Already running for this account and date' })
  @ApiConflictResponse({ description: 'Running with other details, or already ended' })
  async launch(@Body() body: CreateRenewalDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response): Promise<RenewalLaunchView> {
    const result = await this.renewals.launch(body, principal, new Date());
    res.status(result.created ? HttpStatus.CREATED : HttpStatus.OK).location(`/renewals/${encodeURIComponent(result.id)}`);
    return result;
  }

  @Get()
  @Roles(...PERSON_ROLES)
  @ApiOperation({ summary: 'List renewals from the read model, keyset-paginated' })
  @ApiOkResponse({ type: RenewalPage })
  list(@Query() query: ListRenewalsQuery): Promise<RenewalPage> {
    return this.renewals.list(query);
  }

  @Get(':id')
  @Roles(...PERSON_ROLES)
  @ApiOperation({ summary: 'One renewal' })
  @ApiOkResponse({ type: RenewalView })
  get(@Param('id') id: string): Promise<RenewalView> {
    return this.renewals.get(id);
  }
}
