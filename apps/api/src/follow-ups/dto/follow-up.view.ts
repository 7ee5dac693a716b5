import { ApiProperty } from '@nestjs/swagger';
import { AccountSnapshotView } from '../../renewals/dto/renewal.view';

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

export class MonitoringStartView {
  @ApiProperty({ example: 'monitoring:acc-1042:2027-03-31' }) id!: string;
  @ApiProperty({ description: 'false when it already runs' }) created!: boolean;
}

export class MonitoringTaskView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['touchpoint', 'executive_check_in'] }) kind!: string;
  @ApiProperty() title!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ enum: ['open', 'done'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
}

export class PromiseView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['plan_item', 'concession', 'save_outcome', 'manual'] }) source!: string;
  @ApiProperty({ nullable: true, type: String }) sourceId!: string | null;
  @ApiProperty() description!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ enum: ['open', 'delivered', 'verified', 'missed'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) history!: unknown[];
}

export class MonitoringStateView {
  @ApiProperty() monitoringId!: string;
  @ApiProperty({ nullable: true, type: String }) saveId!: string | null;
  @ApiProperty({ nullable: true, type: String }) renewalId!: string | null;
  @ApiProperty({ type: AccountSnapshotView }) account!: AccountSnapshotView;
  @ApiProperty({ format: 'date' }) renewalDate!: string;
  @ApiProperty({ enum: ['active', 'stabilised', 'relapsed'] }) status!: string;
  @ApiProperty(FREE_OBJECT) saved!: unknown;
  @ApiProperty() startedAt!: string;
  @ApiProperty() plannedMonths!: number;
  @ApiProperty() plannedEndAt!: string;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) extensions!: unknown[];
  @ApiProperty({ type: 'array', items: FREE_OBJECT, description: 'Weekly checks with the reading and the judgement' })
  checks!: unknown[];
  @ApiProperty({ type: [MonitoringTaskView] }) tasks!: MonitoringTaskView[];
  @ApiProperty({ type: [PromiseView] }) promises!: PromiseView[];
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) escalations!: unknown[];
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) relapse!: unknown;
  @ApiProperty({ ...FREE_OBJECT, nullable: true }) summary!: unknown;
  @ApiProperty({ nullable: true, type: String }) endedAt!: string | null;
  @ApiProperty() policyVersion!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty() revision!: number;
}

export class PromiseStatusAcceptedView {
  @ApiProperty({ enum: [true] }) accepted!: true;
  @ApiProperty() promiseId!: string;
  @ApiProperty({ enum: ['delivered', 'verified', 'missed'] }) state!: string;
  @ApiProperty({ description: 'The event id the monitoring applies once (the caller and the Idempotency-Key)' })
  eventId!: string;
}

export class TouchpointView {
  @ApiProperty({ enum: ['check_in', 'relevant_updates', 'formal_conversation'] }) kind!: string;
  @ApiProperty() afterMonths!: number;
  @ApiProperty() at!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ enum: ['scheduled', 'open', 'done'] }) taskState!: string;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String }) escalatedAt!: string | null;
}

export class WinBackOutcomeView {
  @ApiProperty({ enum: ['won_back', 'declined', 'no_response'] }) result!: string;
  @ApiProperty({ nullable: true, type: Number }) newArrCents!: number | null;
  @ApiProperty({ nullable: true, type: String }) newRenewalId!: string | null;
  @ApiProperty({ nullable: true, type: String }) newRenewalDate!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty() by!: string;
  @ApiProperty() at!: string;
}

export class WinBackStateView {
  @ApiProperty() winBackId!: string;
  @ApiProperty({ type: AccountSnapshotView }) account!: AccountSnapshotView;
  @ApiProperty() renewalId!: string;
  @ApiProperty({ format: 'date' }) renewalDate!: string;
  @ApiProperty({ nullable: true, type: String }) saveId!: string | null;
  @ApiProperty() churnedAt!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) competitor!: string | null;
  @ApiProperty({ enum: ['active', 'won_back', 'declined', 'no_response'] }) status!: string;
  @ApiProperty({ type: [TouchpointView] }) touchpoints!: TouchpointView[];
  @ApiProperty({ type: WinBackOutcomeView, nullable: true }) outcome!: WinBackOutcomeView | null;
  @ApiProperty() endsAt!: string;
  @ApiProperty() policyVersion!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty() revision!: number;
}

export class WinBackSummaryTouchpointView {
  @ApiProperty() kind!: string;
  @ApiProperty() at!: string;
  @ApiProperty() taskState!: string;
}

export class WinBackSummaryView {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty() accountName!: string;
  @ApiProperty() renewalId!: string;
  @ApiProperty() churnedAt!: string;
  @ApiProperty({ enum: ['active', 'won_back', 'declined', 'no_response'] }) status!: string;
  @ApiProperty() ownerCsmId!: string;
  @ApiProperty({ nullable: true, type: String }) nextTouchpointAt!: string | null;
  @ApiProperty({ type: [WinBackSummaryTouchpointView] }) touchpoints!: WinBackSummaryTouchpointView[];
  @ApiProperty({ type: WinBackOutcomeView, nullable: true }) outcome!: WinBackOutcomeView | null;
}

export class WinBackPage {
  @ApiProperty({ type: [WinBackSummaryView] }) items!: WinBackSummaryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
