import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { APPROVER_ROLES, CONCESSION_TYPES, ROLES } from '@retain/domain';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, QueryInt } from '../common/validators';

export class CapabilityView {
  @ApiProperty({ example: 'renewal.launch', description: '`resource.action` of the access table (docs/access.md)' })
  capability!: string;
  @ApiProperty({
    enum: ['all', 'related', 'item'],
    description:
      'all: every object; related: the objects of accounts the caller stands to (owner, team, sales rep); item: only items assigned to him',
  })
  reach!: string;
}

export class ApprovalAuthorityView {
  @ApiProperty({ enum: CONCESSION_TYPES, isArray: true, description: 'The kinds of concession the role may approve' })
  concessionTypes!: string[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The largest discount (percent of ARR) the role may approve; null: no discount',
  })
  maxDiscountPct!: number | null;
}

export class MeView {
  @ApiProperty({ example: 'csm-a1' }) id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiProperty({ enum: ['person', 'integration'] }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: "The caller's manager (his team)" })
  managerId!: string | null;
  @ApiProperty({ type: [String], description: 'The managers above the caller, nearest first' })
  managementChain!: string[];
  @ApiProperty({ type: [String], description: 'Everyone below the caller in the management chains (his team)' })
  reports!: string[];
  @ApiProperty({ type: [CapabilityView], description: 'What the role may do, from the access table' })
  can!: CapabilityView[];
  @ApiProperty({
    type: ApprovalAuthorityView,
    nullable: true,
    description:
      "The approval matrix's authority of the role under the policy in force; null when it decides no concession",
  })
  approvals!: ApprovalAuthorityView | null;
  @ApiProperty({ description: 'The version of the policy in force the approval authority is read from' })
  policyVersion!: string;
}

export const TASK_SCOPES = ['mine', 'team', 'all'] as const;
export const DUE_ITEM_KINDS = [
  'renewal_task',
  'plan_item',
  'escalation_step',
  'graceful_exit_step',
  'monitoring_touchpoint',
  'monitoring_executive_check_in',
  'promise',
  'win_back_touchpoint',
] as const;

export class MyTasksQuery {
  @ApiPropertyOptional({
    enum: TASK_SCOPES,
    default: 'mine',
    description:
      "mine: items the caller owns (an item without an owner is its account owner CSM's); team: items on the accounts of the caller and everyone below him; all: every item the caller may see (directors, VPs, cs_ops: the whole book; filter with `owner`)",
  })
  @IsOptional()
  @IsIn(TASK_SCOPES)
  scope?: (typeof TASK_SCOPES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Only items due before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  dueBefore?: string;

  @ApiPropertyOptional({
    enum: ['overdue'],
    description: 'overdue: with the items already past due (otherwise only those to come)',
  })
  @IsOptional()
  @IsIn(['overdue'])
  include?: 'overdue';

  @ApiPropertyOptional({ description: 'Only the items of accounts this CSM owns', pattern: BUSINESS_ID_PATTERN.source })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  owner?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
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

export class DueItemView {
  @ApiProperty({ enum: DUE_ITEM_KINDS }) kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ description: 'Due at or before now' }) overdue!: boolean;
  @ApiProperty({ enum: ['renewal', 'save', 'monitoring', 'win_back'] }) objectType!: string;
  @ApiProperty({ example: 'renewal:acc-1042:2027-03-31' }) objectId!: string;
  @ApiProperty({ description: 'The task, plan item, promise, step or touchpoint within the object' }) itemId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() accountName!: string;
  @ApiProperty({ description: 'Who the item is for (its owner, else the account owner CSM)' }) ownerId!: string;
  @ApiProperty({ example: '/renewals/renewal%3Aacc-1042%3A2027-03-31', description: "The object's path in this API" })
  link!: string;
}

export class DueItemPage {
  @ApiProperty({ type: [DueItemView], description: 'Soonest due first' }) items!: DueItemView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PendingApprovalView {
  @ApiProperty() saveId!: string;
  @ApiProperty() concessionId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() accountName!: string;
  @ApiProperty({ enum: CONCESSION_TYPES }) kind!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Percent of ARR (discounts)' }) discountPct!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The discount in cents of the save account’s ARR' })
  amountCents!: number | null;
  @ApiProperty({ type: String, nullable: true }) terms!: string | null;
  @ApiProperty({ enum: APPROVER_ROLES, description: 'The least role the approval matrix requires' })
  requiredRole!: string;
  @ApiProperty({ enum: APPROVER_ROLES, description: 'Who it waits for now (higher after an SLA escalation)' })
  awaitingRole!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) slaDueAt!: string | null;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) requestedAt!: string | null;
  @ApiProperty({ example: '/saves/save%3Aacc-1042%3A2027-03-31' }) link!: string;
}

export class PendingApprovalList {
  @ApiProperty({ type: [PendingApprovalView], description: 'Oldest request first' }) items!: PendingApprovalView[];
  @ApiProperty({ description: 'More pending requests were visible than one answer reads; decide some and ask again' })
  truncated!: boolean;
}
