import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CONCESSION_TYPES,
  CONVERSATION_STAGES,
  EFFORT_ACTIVITIES,
  ESCALATION_STEPS,
  GRACEFUL_EXIT_STEP_KEYS,
  PLAN_ITEM_STATES,
  PLAN_TEMPLATE_KEYS,
  SAVE_OUTCOME_KINDS,
} from '@retain/workflows';
import { AccountSnapshotView } from '../../renewals/dto/renewal.view';

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

export class SaveStartView {
  @ApiProperty({ example: 'save:acc-1042:2027-03-31' }) id!: string;
  @ApiProperty({ example: 'renewal:acc-1042:2027-03-31' }) renewalId!: string;
  @ApiProperty({ description: 'false when the save of this renewal already runs' }) created!: boolean;
}

export class SaveSummaryView {
  @ApiProperty() id!: string;
  @ApiProperty() renewalId!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() accountName!: string;
  @ApiProperty({ format: 'date' }) renewalDate!: string;
  @ApiProperty({ enum: ['active', 'saved', 'lost', 'exited'] }) status!: string;
  @ApiProperty({ enum: ['full', 'standard', 'light', 'none'] }) effortLevel!: string;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) probabilityTier!: string;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) valueTier!: string;
  @ApiProperty({ enum: ['comprehensive', 'compressed', 'emergency'] }) timeBand!: string;
  @ApiProperty({ nullable: true, type: String }) deadline!: string | null;
  @ApiProperty({ description: 'ARR at risk, US cents' }) arrCents!: number;
  @ApiProperty() ownerCsmId!: string;
  @ApiProperty({ nullable: true, type: String }) csmManagerId!: string | null;
  @ApiProperty() overdueItems!: number;
  @ApiProperty() expectedValueHours!: number;
}

export class SavePage {
  @ApiProperty({ type: [SaveSummaryView] }) items!: SaveSummaryView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class RecordedIssueView {
  @ApiProperty() id!: string;
  @ApiProperty() description!: string;
  @ApiProperty() source!: string;
  @ApiProperty() frequency!: number;
  @ApiProperty() dealBreaker!: boolean;
  @ApiProperty() fixable!: boolean;
  @ApiProperty() quickFix!: boolean;
  @ApiProperty({ minimum: 1, maximum: 5 }) impact!: number;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() recordedAt!: string;
}

export class PlanItemView {
  @ApiProperty() id!: string;
  @ApiProperty({ nullable: true, type: String }) issueId!: string | null;
  @ApiProperty() issue!: string;
  @ApiProperty() rootCause!: string;
  @ApiProperty() fix!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty() successMetric!: string;
  @ApiProperty({ enum: PLAN_ITEM_STATES }) state!: string;
  @ApiProperty({ nullable: true, type: String }) evidence!: string | null;
  @ApiProperty() fastFix!: boolean;
  @ApiPropertyOptional({
    type: String,
    enum: PLAN_TEMPLATE_KEYS,
    nullable: true,
    description: 'The §4.6 template it was made from (absent on items added before templates)',
  })
  template?: string | null;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) history!: unknown[];
  @ApiPropertyOptional({ description: 'Hours spent on the item, added up (absent when none was given)' })
  effortHours?: number;
}

export class ApprovalStepView {
  @ApiProperty() at!: string;
  @ApiProperty() by!: string;
  @ApiProperty({ description: 'The role on the key of who acted, requester or workflow' }) role!: string;
  @ApiProperty({ enum: ['requested', 'escalated', 'approved', 'rejected'] }) action!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

const RISKS = ['low', 'medium', 'high'];

/** A discount against the band of the save's risk when it was requested (§4.7): advice, never a refusal. */
export class DiscountGuidanceView {
  @ApiProperty({ enum: RISKS }) risk!: string;
  @ApiProperty() minDiscountPct!: number;
  @ApiProperty() maxDiscountPct!: number;
  @ApiProperty({ enum: ['below', 'within', 'above'] }) fit!: string;
  @ApiProperty({ example: '20% is above the 5-10% guidance for low risk' }) note!: string;
}

export class DiscountBandView {
  @ApiProperty() min!: number;
  @ApiProperty() max!: number;
}

/** What to offer at the save's risk (§4.7), read off its probability tier. */
export class ConcessionGuidanceView {
  @ApiProperty({ enum: RISKS }) risk!: string;
  @ApiProperty({ enum: ['high', 'medium', 'low'], description: 'The probability tier the risk is read from' })
  probabilityTier!: string;
  @ApiProperty({ type: DiscountBandView }) discountPct!: DiscountBandView;
  @ApiProperty({ type: [String], description: 'The other concessions to consider at this risk' }) options!: string[];
  @ApiProperty({ description: 'The customer has committed to leave: a discount now comes too late' })
  discountTooLate!: boolean;
  @ApiProperty() note!: string;
}

export class ConcessionView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: CONCESSION_TYPES }) type!: string;
  @ApiProperty({ nullable: true, type: Number }) discountPct!: number | null;
  @ApiProperty({ nullable: true, type: String }) terms!: string | null;
  @ApiProperty(FREE_OBJECT) rationale!: Record<string, string>;
  @ApiProperty() sunset!: string;
  @ApiProperty() tiedTo!: string;
  @ApiProperty({ nullable: true, type: String }) overrideReason!: string | null;
  @ApiPropertyOptional({
    type: DiscountGuidanceView,
    nullable: true,
    description: "A discount against the band of the save's risk; null without a discount or guidance",
  })
  guidance?: DiscountGuidanceView | null;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ enum: ['csm', 'csm_manager', 'director', 'vp'] }) requiredRole!: string;
  @ApiProperty({ enum: ['csm', 'csm_manager', 'director', 'vp'] }) awaitingRole!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) slaDueAt!: string | null;
  @ApiProperty({ type: [ApprovalStepView] }) chain!: ApprovalStepView[];
}

export class SaveOutcomeView {
  @ApiProperty({ enum: ['saved', 'lost'] }) result!: string;
  @ApiProperty({ enum: SAVE_OUTCOME_KINDS }) kind!: string;
  @ApiProperty({ nullable: true, type: Number }) newArrCents!: number | null;
  @ApiProperty({ nullable: true, type: Number }) pauseDays!: number | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) competitor!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'partner_transition: the partner' })
  partner?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'partner_transition: the need it meets' })
  partnerNeed?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'performance_guarantee: the metric promised' })
  guaranteeMetric?: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date',
    description: 'performance_guarantee: the date it is met by',
  })
  guaranteeBy?: string | null;
  @ApiProperty() decidedBy!: string;
  @ApiProperty() decidedAt!: string;
}

export class ConversationView {
  @ApiProperty() at!: string;
  @ApiProperty() by!: string;
  @ApiProperty({ enum: CONVERSATION_STAGES }) stage!: string;
  @ApiProperty() result!: string;
  @ApiProperty() refused!: boolean;
  @ApiPropertyOptional({ description: 'Hours the conversation took (absent when none was given)' })
  effortHours?: number;
}

/** One entry of a save's effort log. */
export class EffortEntryView {
  @ApiProperty({ example: 'effort-1' }) id!: string;
  @ApiProperty({ example: 2.5 }) hours!: number;
  @ApiProperty({ enum: EFFORT_ACTIVITIES }) activity!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty() by!: string;
  @ApiProperty({ description: 'When the work was done' }) at!: string;
}

export class EscalationView {
  @ApiProperty() startedAt!: string;
  @ApiProperty() startedBy!: string;
  @ApiProperty({ nullable: true, type: String }) executiveId!: string | null;
  @ApiProperty(FREE_OBJECT) brief!: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) overrideReason!: string | null;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) steps!: unknown[];
}

export class EscalationStepAcceptedView {
  @ApiProperty({ enum: [true] }) accepted!: true;
  @ApiProperty({ enum: ESCALATION_STEPS }) step!: string;
}

export class GracefulExitStepView {
  @ApiProperty({ enum: GRACEFUL_EXIT_STEP_KEYS }) key!: string;
  @ApiProperty() title!: string;
  @ApiProperty() done!: boolean;
  @ApiProperty({ nullable: true, type: String }) doneAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) doneBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class GracefulExitView {
  @ApiProperty() startedAt!: string;
  @ApiProperty({ type: [GracefulExitStepView] }) steps!: GracefulExitStepView[];
  @ApiProperty({ description: 'Service continues until then; the steps can be marked done until then' })
  continuedServiceUntil!: string;
}

export class SaveStateView {
  @ApiProperty() saveId!: string;
  @ApiProperty() renewalId!: string;
  @ApiProperty({ type: AccountSnapshotView }) account!: AccountSnapshotView;
  @ApiProperty({ format: 'date' }) renewalDate!: string;
  @ApiProperty({ enum: ['active', 'saved', 'lost', 'exited'] }) status!: string;
  @ApiProperty({ type: [String] }) triggerReasons!: string[];
  @ApiProperty(FREE_OBJECT) facts!: Record<string, string>;
  @ApiProperty(FREE_OBJECT) triage!: unknown;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) triageHistory!: unknown[];
  @ApiProperty({ type: [RecordedIssueView] }) issues!: RecordedIssueView[];
  @ApiProperty({ type: [PlanItemView] }) planItems!: PlanItemView[];
  @ApiPropertyOptional(FREE_OBJECT) planCompletion?: unknown;
  @ApiProperty({ type: [ConcessionView] }) concessions!: ConcessionView[];
  @ApiPropertyOptional({
    type: ConcessionGuidanceView,
    nullable: true,
    description:
      "What to offer at the save's risk (§4.7); null when the save's policy has none (saves started before it)",
  })
  concessionGuidance?: ConcessionGuidanceView | null;
  @ApiProperty({ type: [ConversationView] }) conversations!: ConversationView[];
  @ApiProperty({ type: [EffortEntryView], description: 'The hours logged against the save' })
  effortLog!: EffortEntryView[];
  @ApiProperty({
    description: "Every hour logged on the save: the effort log's, the conversations' and the plan items'",
  })
  effortHours!: number;
  @ApiProperty({ type: EscalationView, nullable: true }) escalation!: EscalationView | null;
  @ApiProperty({ type: SaveOutcomeView, nullable: true }) outcome!: SaveOutcomeView | null;
  @ApiPropertyOptional({ ...FREE_OBJECT, nullable: true }) gracefulExit?: unknown;
  @ApiPropertyOptional({ ...FREE_OBJECT, nullable: true }) handOff?: unknown;
  @ApiProperty() policyVersion!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty() revision!: number;
}

export class DebriefView {
  @ApiProperty() saveId!: string;
  @ApiProperty({ description: 'The debrief opens when the save is lost or exited' }) open!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) answers!: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
}
