import { ApiProperty } from '@nestjs/swagger';
import { PLAYBOOK_TASK_STATES } from '@retain/domain';

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;
const SEVERITIES = ['P0', 'P1', 'P2', 'P3'];

/** A task of an alert's response playbook (docs/rulebook.md §5.6). */
export class PlaybookTaskView {
  @ApiProperty({
    example: 'assess',
    description: 'The step key, with -<n> for the n-th occurrence of a recurring step',
  })
  id!: string;
  @ApiProperty({ example: 'assess' }) key!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, type: Number, description: '1, 2, ... for a recurring step; null for a one-off step' })
  occurrence!: number | null;
  @ApiProperty({ description: "The deadline: the alert's trigger time plus the step's hours" }) dueAt!: string;
  @ApiProperty({ enum: PLAYBOOK_TASK_STATES, description: 'cancelled: still open when the alert was resolved' })
  state!: string;
  @ApiProperty({ description: 'Open and past its deadline, now' }) overdue!: boolean;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "When it was escalated to the CSM's manager (once)" })
  escalatedAt!: string | null;
}

export class AlertView {
  @ApiProperty({ example: 'alert:acc-1042:1' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiProperty({ example: 'usage_drop' }) ruleId!: string;
  @ApiProperty({
    enum: ['usage', 'engagement', 'sentiment', 'support', 'business', 'competition', 'commercial', 'health'],
  })
  group!: string;
  @ApiProperty({ enum: SEVERITIES }) baseSeverity!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) adjustments!: unknown[];
  @ApiProperty() summary!: string;
  @ApiProperty(FREE_OBJECT) measure!: unknown;
  @ApiProperty(FREE_OBJECT) details!: unknown;
  @ApiProperty() triggeredAt!: string;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) recipients!: unknown[];
  @ApiProperty() deliverAt!: string;
  @ApiProperty() notificationKey!: string;
  @ApiProperty() respondBy!: string;
  @ApiProperty({ enum: ['open', 'acknowledged', 'resolved'] }) state!: string;
  @ApiProperty({ nullable: true, type: String }) acknowledgedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolution!: string | null;
  @ApiProperty({ type: 'array', items: FREE_OBJECT }) escalations!: unknown[];
  @ApiProperty({ nullable: true, type: String }) saveRequestedFor!: string | null;
  @ApiProperty({
    type: [PlaybookTaskView],
    description: "The response playbook's tasks, soonest first (none for a rule without a playbook)",
  })
  tasks!: PlaybookTaskView[];
  @ApiProperty() revision!: number;
}

export class AlertPage {
  @ApiProperty({ type: [AlertView] }) items!: AlertView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class AlertCatalogueView {
  @ApiProperty() policyVersion!: string;
  @ApiProperty({ type: 'array', items: FREE_OBJECT, description: 'Each rule with its §5.2 template' })
  rules!: unknown[];
}
