import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { Operation } from '../openapi/operation.decorator';
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
    summary: 'The policy in force: its version, where it comes from, and every setting',
    ok: { status: 200, type: PolicyInForceView, description: 'The policy' },
  })
  inForce(): PolicyInForceView {
    return this.policy.inForce();
  }

  @Get('versions')
  @Access(['policy', 'read'])
  @Operation({
    id: 'listPolicyVersions',
    summary:
      'The policy versions running workflows still carry (each keeps the one it started with), and the one in force',
    ok: { status: 200, type: PolicyVersionsView, description: 'The versions' },
  })
  versions(): Promise<PolicyVersionsView> {
    return this.policy.versions();
  }
}
