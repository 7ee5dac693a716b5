import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CONCESSION_TYPES,
  CONVERSATION_STAGES,
  EFFORT_ACTIVITIES,
  PLAN_ITEM_STATES,
  PLAN_TEMPLATE_KEYS,
  ROOT_CAUSES,
  SAVE_OUTCOME_KINDS,
  type ConcessionType,
  type ConversationStage,
  type EffortActivity,
  type PlanItemState,
  type PlanTemplateKey,
  type RootCause,
  type SaveOutcomeKind,
} from '@retain/workflows';
import { DEFAULT_POLICY, SAVE_FACT_VALUES, type SaveProbabilityFacts, type Tier } from '@retain/domain';
import {
  BUSINESS_ID_MESSAGE,
  BUSINESS_ID_PATTERN,
  IsAbsent,
  IsEffortHours,
  IsIsoCalendarDate,
  IsPercentage,
  ACCOUNT_FACTS_ARE_READ,
  QueryInt,
  OptionalField,
} from '../../common/validators';

export class SaveProbabilityFactsDto {
  @ApiProperty({ enum: ['yes', 'complex', 'no'] }) @IsIn(['yes', 'complex', 'no']) issuesFixable!:
    'yes' | 'complex' | 'no';
  @ApiProperty({ enum: ['good', 'strained', 'broken'] }) @IsIn(['good', 'strained', 'broken']) relationship!:
    'good' | 'strained' | 'broken';
  @ApiProperty({ enum: ['none', 'evaluating', 'committed'] }) @IsIn(['none', 'evaluating', 'committed']) alternative!:
    'none' | 'evaluating' | 'committed';
  @ApiProperty({ enum: ['confirmed', 'uncertain', 'none'] }) @IsIn(['confirmed', 'uncertain', 'none']) budget!:
    'confirmed' | 'uncertain' | 'none';
  @ApiProperty({ enum: ['engaged', 'mixed', 'checked_out'] }) @IsIn(['engaged', 'mixed', 'checked_out']) stakeholders!:
    'engaged' | 'mixed' | 'checked_out';
}

export class StrategicFlagsDto {
  @ApiPropertyOptional() @OptionalField() @IsBoolean() logo?: boolean;
  @ApiPropertyOptional() @OptionalField() @IsBoolean() reference?: boolean;
  @ApiPropertyOptional() @OptionalField() @IsBoolean() caseStudy?: boolean;
  @ApiPropertyOptional() @OptionalField() @IsBoolean() growthPotential?: boolean;
}

/** The §4.1 facts that changed: each optional, and what is not named stays as it was. */
export class SaveFactsChangeDto {
  @ApiPropertyOptional({ enum: SAVE_FACT_VALUES.issuesFixable })
  @OptionalField()
  @IsIn(SAVE_FACT_VALUES.issuesFixable)
  issuesFixable?: SaveProbabilityFacts['issuesFixable'];
  @ApiPropertyOptional({ enum: SAVE_FACT_VALUES.relationship })
  @OptionalField()
  @IsIn(SAVE_FACT_VALUES.relationship)
  relationship?: SaveProbabilityFacts['relationship'];
  @ApiPropertyOptional({ enum: SAVE_FACT_VALUES.alternative })
  @OptionalField()
  @IsIn(SAVE_FACT_VALUES.alternative)
  alternative?: SaveProbabilityFacts['alternative'];
  @ApiPropertyOptional({ enum: SAVE_FACT_VALUES.budget })
  @OptionalField()
  @IsIn(SAVE_FACT_VALUES.budget)
  budget?: SaveProbabilityFacts['budget'];
  @ApiPropertyOptional({ enum: SAVE_FACT_VALUES.stakeholders })
  @OptionalField()
  @IsIn(SAVE_FACT_VALUES.stakeholders)
  stakeholders?: SaveProbabilityFacts['stakeholders'];
}

/**
 * A re-triage: the facts or strategic flags that changed (at least one), and why.
 * What the body does not name stays as it was.
 */
export class RetriageSaveDto {
  @ApiPropertyOptional({ type: SaveFactsChangeDto, description: 'The facts that changed' })
  @OptionalField()
  @ValidateNested()
  @Type(() => SaveFactsChangeDto)
  @IsObject()
  facts?: SaveFactsChangeDto;
  @ApiPropertyOptional({ type: StrategicFlagsDto, description: 'The flags that changed (false clears one)' })
  @OptionalField()
  @ValidateNested()
  @Type(() => StrategicFlagsDto)
  @IsObject()
  strategicFlags?: StrategicFlagsDto;
  @ApiPropertyOptional({ maxLength: 2000, description: 'Why, kept with the triage' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

/** A person's override of the probability tier: the tier and the reason, which is required. */
export class ProbabilityOverrideDto {
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) @IsIn(['high', 'medium', 'low']) tier!: Tier;
  @ApiProperty({ maxLength: 2000, description: 'Why the tier differs from what the facts say (required)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class GracefulExitStepDto {
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

/**
 * A save for the renewal of `accountId` on `renewalDate`. The account's facts (ARR,
 * owners, time zone) are read from Retain, where cs_ops or the CRM set them; a body
 * naming them is refused.
 */
export class CreateSaveDto {
  @ApiProperty({
    example: 'acc-1042',
    pattern: BUSINESS_ID_PATTERN.source,
    description: 'The account, as launched by cs_ops or sent by the CRM',
  })
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  accountId!: string;
  @ApiProperty({ example: '2027-03-31', format: 'date', description: 'The date of the renewal to save' })
  @IsIsoCalendarDate()
  renewalDate!: string;
  @IsAbsent({ message: ACCOUNT_FACTS_ARE_READ }) account?: never;
  @ApiProperty({ type: [String], example: ['competitor evaluation', 'usage down 45%'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  triggerReasons!: string[];
  @ApiProperty({ type: SaveProbabilityFactsDto })
  @ValidateNested()
  @Type(() => SaveProbabilityFactsDto)
  @IsObject()
  facts!: SaveProbabilityFactsDto;
  @ApiProperty({ enum: ROOT_CAUSES }) @IsIn(ROOT_CAUSES) rootCause!: RootCause;
  @ApiPropertyOptional({ description: 'The circumstance is a budget cut (price flexibility may help)' })
  @OptionalField()
  @IsBoolean()
  budgetRelated?: boolean;
  @ApiPropertyOptional({ type: StrategicFlagsDto })
  @OptionalField()
  @ValidateNested()
  @Type(() => StrategicFlagsDto)
  @IsObject()
  strategicFlags?: StrategicFlagsDto;
}

export class AddIssueDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) description!: string;
  @ApiProperty({
    example: 'tickets',
    description: 'Where it came from: CRM, tickets, usage, stakeholder interview, QBR, ...',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  source!: string;
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(1) @Max(100000) frequency!: number;
  @ApiProperty() @IsBoolean() dealBreaker!: boolean;
  @ApiProperty() @IsBoolean() fixable!: boolean;
  @ApiProperty() @IsBoolean() quickFix!: boolean;
  @ApiProperty({ minimum: 1, maximum: 5 }) @IsInt() @Min(1) @Max(5) impact!: number;
  @ApiPropertyOptional({ description: 'Owner of the fast-fix item if it becomes one (default: the CSM)' })
  @OptionalField()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  ownerId?: string;
}

/** A field a plan item needs unless its template fills it: validated when given, or when there is no template. */
const UnlessTemplated = () =>
  ValidateIf((o: AddPlanItemDto, v: unknown) => o.template === undefined || v !== undefined);
const FILLED = 'Required without a template; a template fills it when left out';

/** The OpenAPI of hours of effort: quarter hours above 0; the most one entry may state is the save's policy's. */
const EFFORT_HOURS = {
  type: Number,
  minimum: 0.25,
  multipleOf: 0.25,
  example: 2.5,
} as const;
const EFFORT_CAP = `at most the save's policy's metrics.maxEffortHoursPerEntry (${DEFAULT_POLICY.metrics.maxEffortHoursPerEntry} by default) in one entry`;

/**
 * A remediation item: named whole, or from a §4.6 template (relationship repair, value
 * re-demonstration, product-team engagement) that fills in what the body leaves out.
 */
export class AddPlanItemDto {
  @ApiPropertyOptional({
    enum: PLAN_TEMPLATE_KEYS,
    description:
      "A §4.6 template: it fills issue, fix, success metric, owner (the account's CSM; product_team needs the owner named) and due date (the policy's days, never after the save's deadline); the root cause is the save's",
  })
  @OptionalField()
  @IsIn(PLAN_TEMPLATE_KEYS)
  template?: PlanTemplateKey;
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(50) issueId?: string;
  @ApiPropertyOptional({ description: FILLED })
  @UnlessTemplated()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  issue?: string;
  @ApiPropertyOptional({ description: FILLED })
  @UnlessTemplated()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  rootCause?: string;
  @ApiPropertyOptional({ description: FILLED })
  @UnlessTemplated()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  fix?: string;
  @ApiPropertyOptional({ description: FILLED })
  @UnlessTemplated()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  owner?: string;
  @ApiPropertyOptional({ example: '2027-02-01T17:00:00Z', description: FILLED })
  @UnlessTemplated()
  @IsISO8601({ strict: true })
  dueAt?: string;
  @ApiPropertyOptional({ description: FILLED })
  @UnlessTemplated()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  successMetric?: string;
  @ApiPropertyOptional({ ...EFFORT_HOURS, description: `Hours already spent on the item, ${EFFORT_CAP}` })
  @OptionalField()
  @IsEffortHours()
  effortHours?: number;
}

export class PlanItemStatusDto {
  @ApiProperty({ enum: PLAN_ITEM_STATES }) @IsIn(PLAN_ITEM_STATES) state!: PlanItemState;
  @ApiPropertyOptional({ description: 'Required for done' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  evidence?: string;
  @ApiPropertyOptional({
    ...EFFORT_HOURS,
    description: `Hours spent on the item since, added to its hours, ${EFFORT_CAP}`,
  })
  @OptionalField()
  @IsEffortHours()
  effortHours?: number;
}

export class ConcessionRationaleDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) businessRationale!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) expectedOutcome!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) alternativesConsidered!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) riskFactors!: string;
}

export class RequestConcessionDto {
  @ApiProperty({ enum: CONCESSION_TYPES }) @IsIn(CONCESSION_TYPES) type!: ConcessionType;
  @ApiPropertyOptional({
    minimum: 0.01,
    maximum: 100,
    multipleOf: 0.01,
    description: 'Required for a discount: the approval matrix reads it',
  })
  @ValidateIf((o: RequestConcessionDto) => o.type === 'discount' || o.discountPct !== undefined)
  @IsPercentage()
  discountPct?: number;
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(2000) terms?: string;
  @ApiProperty({ type: ConcessionRationaleDto })
  @ValidateNested()
  @Type(() => ConcessionRationaleDto)
  @IsObject()
  rationale!: ConcessionRationaleDto;
  @ApiProperty({ example: 'year 1 only, standard price in year 2' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  sunset!: string;
  @ApiProperty({ example: '2-year commitment' }) @IsString() @IsNotEmpty() @MaxLength(500) tiedTo!: string;
  @ApiPropertyOptional({
    description:
      'Required for a discount when the root cause is not price or budget, or before any issue is identified',
  })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  overrideReason?: string;
}

export class DecideConcessionDto {
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

export class SaveOutcomeDto {
  @ApiProperty({ enum: ['saved', 'lost'] }) @IsIn(['saved', 'lost']) result!: 'saved' | 'lost';
  @ApiProperty({ enum: SAVE_OUTCOME_KINDS }) @IsIn(SAVE_OUTCOME_KINDS) kind!: SaveOutcomeKind;
  @ApiPropertyOptional({
    description: 'reduced_scope: the new, lower ARR (required); partner_transition: the ARR that stays, if less',
  })
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(1e13)
  newArrCents?: number;
  @ApiPropertyOptional({ description: 'pause: its length (required)' })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(3650)
  pauseDays?: number;
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(2000) reason?: string;
  @ApiPropertyOptional() @OptionalField() @IsString() @MaxLength(200) competitor?: string;
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'partner_transition: the partner who takes the need over (required)',
  })
  @OptionalField()
  @IsString()
  @MaxLength(200)
  partner?: string;
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'partner_transition: the need the partner meets, which we could not (required)',
  })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  partnerNeed?: string;
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'performance_guarantee: the metric promised; the customer may exit if it is not met (required)',
  })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  guaranteeMetric?: string;
  @ApiPropertyOptional({
    format: 'date',
    example: '2027-06-30',
    description: "performance_guarantee: the date it is met by, after today in the account's time zone (required)",
  })
  @OptionalField()
  @IsIsoCalendarDate()
  guaranteeBy?: string;
}

export class ListSavesQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ enum: ['active', 'saved', 'lost', 'exited'] })
  @IsOptional()
  @IsIn(['active', 'saved', 'lost', 'exited'])
  status?: string;
  @ApiPropertyOptional({ enum: ['full', 'standard', 'light', 'none'] })
  @IsOptional()
  @IsIn(['full', 'standard', 'light', 'none'])
  effortLevel?: string;
  @ApiPropertyOptional({ enum: ['high', 'medium', 'low'] })
  @IsOptional()
  @IsIn(['high', 'medium', 'low'])
  probabilityTier?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE }) owner?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE }) manager?: string;
  @ApiPropertyOptional({ enum: ['enterprise', 'mid_market', 'smb'] })
  @IsOptional()
  @IsIn(['enterprise', 'mid_market', 'smb'])
  segment?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) overdue?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @IsIsoCalendarDate() renewalDateFrom?: string;
  @ApiPropertyOptional() @IsOptional() @IsIsoCalendarDate() renewalDateTo?: string;
  @ApiPropertyOptional({
    enum: ['arr', 'deadline'],
    default: 'deadline',
    description: 'arr: ARR at risk, largest first; deadline: soonest first',
  })
  @IsOptional()
  @IsIn(['arr', 'deadline'])
  sort?: 'arr' | 'deadline';
}

export class ConversationDto {
  @ApiProperty({ enum: CONVERSATION_STAGES }) @IsIn(CONVERSATION_STAGES) stage!: ConversationStage;
  @ApiProperty({ maxLength: 2000 }) @IsString() @IsNotEmpty() @MaxLength(2000) result!: string;
  @ApiPropertyOptional({ description: 'The customer refused the conversation' })
  @OptionalField()
  @IsBoolean()
  refused?: boolean;
  @ApiPropertyOptional({ description: 'The customer says the decision is final' })
  @OptionalField()
  @IsBoolean()
  decisionFinal?: boolean;
  @ApiPropertyOptional({ ...EFFORT_HOURS, description: `Hours the conversation took, ${EFFORT_CAP}` })
  @OptionalField()
  @IsEffortHours()
  effortHours?: number;
}

/** Hours of work on an active save (docs/rulebook.md, "Effort log"). */
export class LogEffortDto {
  @ApiProperty({ ...EFFORT_HOURS, description: `Hours of work, ${EFFORT_CAP}` })
  @IsEffortHours()
  hours!: number;
  @ApiProperty({ enum: EFFORT_ACTIVITIES }) @IsIn(EFFORT_ACTIVITIES) activity!: EffortActivity;
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @MaxLength(2000) note?: string;
  @ApiPropertyOptional({
    example: '2027-01-12T15:00:00Z',
    description: 'When the work was done: not in the future, not before the save started (default: now)',
  })
  @OptionalField()
  @IsISO8601({ strict: true })
  at?: string;
}

export class ExecutiveBriefDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) history!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) issues!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) plan!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) objective!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(4000) talkingPoints!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(500) timing!: string;
}

export class StartEscalationDto {
  @ApiProperty({ type: ExecutiveBriefDto })
  @ValidateNested()
  @Type(() => ExecutiveBriefDto)
  @IsObject()
  brief!: ExecutiveBriefDto;
  @ApiPropertyOptional()
  @OptionalField()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  executiveId?: string;
  @ApiPropertyOptional({ description: 'Required below $50K ARR without a strategic flag' })
  @OptionalField()
  @IsString()
  @MaxLength(2000)
  overrideReason?: string;
}

export class EscalationStepDto {
  @ApiPropertyOptional({ maxLength: 2000 }) @OptionalField() @IsString() @MaxLength(2000) note?: string;
}

export class DebriefDto {
  @ApiPropertyOptional({ description: 'The real reasons' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  realReasons?: string;
  @ApiPropertyOptional({ description: 'When were they really lost' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  whenLost?: string;
  @ApiPropertyOptional({ description: 'Which signals were missed' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  missedSignals?: string;
  @ApiPropertyOptional({ description: 'Could it have been saved, and how' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  couldHaveSaved?: string;
  @ApiPropertyOptional({ description: 'Which pattern it fits' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  pattern?: string;
  @ApiPropertyOptional({ description: 'What to change' })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  whatToChange?: string;
}
