import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RENEWAL_PHASES, RISK_CATEGORIES, SEGMENTS } from '@retain/domain';

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

export class MilestoneView {
  @ApiProperty() phase!: string;
  @ApiProperty({ description: 'ISO-8601 timestamp' }) at!: string;
}

export class RenewalView {
  @ApiProperty({ example: 'renewal:acc-1042:2027-03-31' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiPropertyOptional() accountName?: string;
  @ApiProperty({ example: '2027-03-31', format: 'date' }) renewalDate!: string;
  @ApiProperty({
    enum: [
      'starting',
      'active',
      'closed',
      'cancelled',
      'completed',
      'failed',
      'terminated',
      'canceled',
      'timed_out',
      'continued_as_new',
    ],
    description: 'starting: launched, its first read-model write pending',
  })
  status!: string;
  @ApiPropertyOptional({ enum: RENEWAL_PHASES }) phase?: string;
  @ApiPropertyOptional({ enum: ['comprehensive', 'compressed', 'emergency'] }) timeBand?: string;
  @ApiPropertyOptional({ type: String, enum: RISK_CATEGORIES, nullable: true }) riskCategory?: string | null;
  @ApiPropertyOptional({ description: 'ARR in US cents' }) arrCents?: number;
  @ApiPropertyOptional({ enum: SEGMENTS }) segment?: string;
  @ApiPropertyOptional() ownerCsmId?: string;
  @ApiPropertyOptional({ type: MilestoneView, nullable: true }) nextMilestone?: MilestoneView | null;
  @ApiPropertyOptional() policyVersion?: string;
  @ApiPropertyOptional() startedAt?: string;
  @ApiPropertyOptional() updatedAt?: string;
}

export class RenewalTaskView {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'Phase or event that laid it out' }) trigger!: string;
  @ApiProperty() ownerRole!: string;
  @ApiProperty({ nullable: true, type: String }) ownerId!: string | null;
  @ApiProperty({ enum: ['open', 'done', 'cancelled'] }) state!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty() nominalDueAt!: string;
  @ApiProperty({ description: 'Laid out after its nominal due date' }) late!: boolean;
  @ApiProperty({ description: 'Open and past due' }) overdue!: boolean;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class AuditEntryView {
  @ApiProperty() seq!: number;
  @ApiProperty() at!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}

export class RenewalDetailView extends RenewalView {
  @ApiProperty() originalRenewalDate!: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Every classification with its reasons and cause',
  })
  classificationHistory!: unknown[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description:
      'Competitive, stakeholder and commercial signals with their weight (decisive or risk), lifetime and resolution',
  })
  signals!: unknown[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Ownership model, owners and the rule that chose them',
  })
  ownership!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) decision!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Set when the renewal turned red',
  })
  saveRequest!: unknown;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Renewal day passed without a decision',
  })
  exception!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) cancellation!: unknown;
  @ApiProperty({ nullable: true, type: String }) nextTermRenewalId!: string | null;
  @ApiProperty({ type: [RenewalTaskView] }) tasks!: RenewalTaskView[];
  @ApiProperty({ type: [AuditEntryView], description: 'Every transition: who or what, when, why' })
  history!: AuditEntryView[];
}

/** A timeline task as the workflow answers an update (the read model adds `overdue`). */
export class TaskStateView {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() title!: string;
  @ApiProperty() trigger!: string;
  @ApiProperty() ownerRole!: string;
  @ApiProperty({ nullable: true, type: String }) ownerId!: string | null;
  @ApiProperty() customerFacing!: boolean;
  @ApiProperty() nominalDueAt!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty() late!: boolean;
  @ApiProperty({ enum: ['open', 'done', 'cancelled'] }) state!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
}

export class RenewalDecisionView {
  @ApiProperty({ enum: ['renewed', 'expanded', 'downsized', 'paused', 'churned'] }) outcome!: string;
  @ApiProperty({ description: 'New ARR in US cents (the current ARR unless expanded or downsized)' })
  newArrCents!: number;
  @ApiProperty({ nullable: true, type: String, description: "In the customer's words" }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) signedContractRef!: string | null;
  @ApiProperty() decidedBy!: string;
  @ApiProperty() decidedAt!: string;
}

export class AccountSnapshotView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'ARR in US cents' }) arrCents!: number;
  @ApiProperty({ enum: SEGMENTS }) segment!: string;
  @ApiProperty() timeZone!: string;
  @ApiProperty() ownerCsmId!: string;
  @ApiProperty({ nullable: true, type: String }) csmManagerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) salesRepId!: string | null;
}

/** The renewal workflow's live state, as a change or cancellation answers it. */
export class RenewalStateView {
  @ApiProperty() renewalId!: string;
  @ApiProperty({ type: AccountSnapshotView }) account!: AccountSnapshotView;
  @ApiProperty({ format: 'date' }) renewalDate!: string;
  @ApiProperty({ format: 'date' }) originalRenewalDate!: string;
  @ApiProperty({ enum: ['active', 'closed', 'cancelled'] }) status!: string;
  @ApiProperty({ enum: RENEWAL_PHASES }) phase!: string;
  @ApiProperty({ enum: ['comprehensive', 'compressed', 'emergency'] }) timeBand!: string;
  @ApiProperty({ type: String, enum: RISK_CATEGORIES, nullable: true }) category!: string | null;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) classificationHistory!: unknown[];
  @ApiProperty(FREE_OBJECT) ownership!: unknown;
  @ApiProperty({ type: [TaskStateView] }) tasks!: TaskStateView[];
  @ApiProperty({ type: RenewalDecisionView, nullable: true }) decision!: RenewalDecisionView | null;
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) saveRequest!: unknown;
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) cancellation!: unknown;
  @ApiProperty() policyVersion!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() updatedAt!: string;
}

export class BatchEarlyWarningResult {
  @ApiProperty({
    enum: ['opened', 'already_running', 'failed'],
    description:
      "opened: the account's early-warning workflow was started; already_running: one runs and was kept; " +
      'failed: it could not be started (the renewal stands; launching the item again opens it)',
  })
  status!: 'opened' | 'already_running' | 'failed';
  @ApiPropertyOptional({ description: 'Problem code when failed (DEPENDENCY.UNAVAILABLE: Temporal was not reachable)' })
  code?: string;
  @ApiPropertyOptional() detail?: string;
}

export class BatchItemResult {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: ['created', 'already_running', 'rejected'] }) status!: string;
  @ApiPropertyOptional() id?: string;
  @ApiPropertyOptional({ description: 'Problem code when rejected' }) code?: string;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } }) errors?: Array<{ field: string; message: string }>;
  @ApiPropertyOptional({
    type: BatchEarlyWarningResult,
    description: "The account's early warning, when the request opens it and the renewal was launched or runs",
  })
  earlyWarning?: BatchEarlyWarningResult;
}

export class BatchEarlyWarningCounts {
  @ApiProperty() opened!: number;
  @ApiProperty() alreadyRunning!: number;
  @ApiProperty() failed!: number;
}

export class BatchLaunchResult {
  @ApiProperty() created!: number;
  @ApiProperty() alreadyRunning!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({
    type: BatchEarlyWarningCounts,
    description: "The items' early warnings by outcome (all 0 when the request said earlyWarning: false)",
  })
  earlyWarning!: BatchEarlyWarningCounts;
  @ApiProperty({ type: [BatchItemResult] }) items!: BatchItemResult[];
}

export class RenewalLaunchView {
  @ApiProperty({ example: 'renewal:acc-1042:2027-03-31' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() renewalDate!: string;
  @ApiProperty() workflowRunId!: string;
  @ApiProperty({ description: 'false when the same renewal was already running' }) created!: boolean;
}

export class RenewalPage {
  @ApiProperty({ type: [RenewalView] }) items!: RenewalView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
