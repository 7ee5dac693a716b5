import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class MilestoneView {
  @ApiProperty() phase!: string;
  @ApiProperty({ description: 'ISO-8601 timestamp' }) at!: string;
}

export class RenewalView {
  @ApiProperty({ example: 'renewal:acc-1042:2027-03-31' }) id!: string;
  @ApiProperty() accountId!: string;
  @ApiPropertyOptional() accountName?: string;
  @ApiProperty({ example: '2027-03-31' }) renewalDate!: string;
  @ApiProperty({ enum: ['starting', 'active', 'closed', 'cancelled'] }) status!: string;
  @ApiPropertyOptional() phase?: string;
  @ApiPropertyOptional({ enum: ['comprehensive', 'compressed', 'emergency'] }) timeBand?: string;
  @ApiPropertyOptional({ nullable: true }) riskCategory?: string | null;
  @ApiPropertyOptional() arrCents?: number;
  @ApiPropertyOptional() segment?: string;
  @ApiPropertyOptional() ownerCsmId?: string;
  @ApiPropertyOptional({ type: MilestoneView, nullable: true }) nextMilestone?: MilestoneView | null;
  @ApiPropertyOptional() policyVersion?: string;
  @ApiPropertyOptional() startedAt?: string;
  @ApiPropertyOptional() updatedAt?: string;
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
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?cursor= for the next page; null on the last page' }) nextCursor!: string | null;
}
