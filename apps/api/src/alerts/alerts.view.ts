import { ApiProperty } from '@nestjs/swagger';

const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;
const SEVERITIES = ['P0', 'P1', 'P2', 'P3'];

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
