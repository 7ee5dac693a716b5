import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { Operation } from '../openapi/operation.decorator';
import { DueItemPage, MeView, MyTasksQuery, PendingApprovalList } from './me.dto';
import { MeService } from './me.service';

/** The caller's own views, for the web app's pages (docs/access.md, "The caller's own views"). */
@ApiTags('me')
@Controller('me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  @Access(['self', 'read'])
  @Operation({
    id: 'getMe',
    summary:
      "The caller's principal: id, name, role, manager and team, and what the role may do (the access table's grants, the approval matrix's authority)",
    ok: { status: 200, type: MeView, description: 'The caller' },
  })
  get(@CurrentPrincipal() principal: Principal): Promise<MeView> {
    return this.me.me(principal);
  }

  @Get('tasks')
  @Access(['renewal', 'read'], ['save', 'read'], ['monitoring', 'read'], ['winBack', 'read'])
  @Operation({
    id: 'listMyTasks',
    summary:
      "Dated items across renewals (timeline tasks), saves (plan items, escalation steps, graceful-exit steps), monitorings (touchpoints, check-ins, promises) and win-backs (touchpoints), soonest due first, keyset-paginated: the caller's own, his team's, or all he may see",
    ok: { status: 200, type: DueItemPage, description: 'One page' },
  })
  tasks(@Query() query: MyTasksQuery, @CurrentPrincipal() principal: Principal): Promise<DueItemPage> {
    return this.me.tasks(query, principal, new Date());
  }

  @Get('approvals')
  @Access(['concession', 'decide'])
  @Operation({
    id: 'listMyApprovals',
    summary:
      'Concession requests waiting for the caller: pending on a save he may decide, and within the authority the approval matrix gives his role (not his own, nor from above him)',
    ok: { status: 200, type: PendingApprovalList, description: 'The pending requests he may decide' },
  })
  approvals(@CurrentPrincipal() principal: Principal): Promise<PendingApprovalList> {
    return this.me.approvals(principal);
  }
}
