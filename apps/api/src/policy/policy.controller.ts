import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { IdempotencyKey } from '../common/idempotency-key';
import { Operation } from '../openapi/operation.decorator';
import { AdoptPolicyDto } from './dto/adopt-policy.dto';
import { PolicyService } from './policy.service';
import { PolicyInForceView, PolicyVersionsView } from './policy.view';

@ApiTags('policy')
@Controller('policy')
export class PolicyController {
  constructor(private readonly policy: PolicyService) {}

  @Get()
  @Access(['policy', 'read'])
  @Operation({
    id: 'getPolicy',
    summary: 'The policy in force: its version, where it comes from (defaults, file or adoption), and every setting',
    ok: { status: 200, type: PolicyInForceView, description: 'The policy' },
  })
  inForce(): Promise<PolicyInForceView> {
    return this.policy.inForce();
  }

  @Put()
  @Access(['policy', 'adopt'])
  @Operation({
    id: 'adoptPolicy',
    summary:
      'Adopt a candidate policy as the next version: new workflows start with it, running ones keep theirs (audit-logged with its back-test)',
    description:
      'A `backtestId` must name a back-test that is done and ran this candidate (its `candidate`, or a value of its sweep), the policy in force then being the one in force now; otherwise a 409 (POLICY.BACKTEST_NOT_FOUND, POLICY.BACKTEST_NOT_DONE, POLICY.BACKTEST_OTHER_CANDIDATE) and nothing is adopted. A retry with the same Idempotency-Key answers the first adoption and adopts nothing more.',
    ok: {
      status: 200,
      type: PolicyInForceView,
      description: 'The policy now in force (on a retry: the one the first request adopted)',
    },
    body: true,
    conflict: true,
    idempotent: true,
  })
  adopt(
    @Body() body: AdoptPolicyDto,
    @CurrentPrincipal() p: Principal,
    @IdempotencyKey() key?: string,
  ): Promise<PolicyInForceView> {
    return this.policy.adopt(body, p, key);
  }

  @Get('versions')
  @Access(['policy', 'read'])
  @Operation({
    id: 'listPolicyVersions',
    summary:
      'The policy versions running workflows still carry (each keeps the one it started with), the one in force, and every adoption',
    ok: { status: 200, type: PolicyVersionsView, description: 'The versions' },
  })
  versions(): Promise<PolicyVersionsView> {
    return this.policy.versions();
  }
}
