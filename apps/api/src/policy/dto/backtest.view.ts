import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class BacktestAcceptedView {
  @ApiProperty({ example: 'bt-5f0c1d2e3a4b5c6d7e8f9a0b' }) id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty({ example: '/policy/backtests/bt-5f0c1d2e3a4b5c6d7e8f9a0b', description: 'Where to follow it' })
  location!: string;
}

export class BacktestProgressView {
  @ApiProperty({ description: 'Accounts replayed so far' }) accountsDone!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Accounts in the book when it started (null while queued)',
  })
  accountsTotal!: number | null;
  @ApiProperty({ description: 'Recorded events read so far' }) eventsRead!: number;
  @ApiProperty({ description: 'Pages of accounts recorded' }) pagesDone!: number;
}

export class BacktestPolicyLabelView {
  @ApiProperty({ example: 'candidate' }) label!: string;
  @ApiProperty({ example: '2026-12-01.8+custom' }) version!: string;
}

export class BacktestView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ example: { from: '2026-01-01', to: '2026-12-31' } }) period!: { from: string; to: string };
  @ApiProperty({ description: 'The version of the policy in force the candidates are compared with' })
  currentPolicyVersion!: string;
  @ApiProperty({ type: [BacktestPolicyLabelView], description: "The candidates run beside 'current'" })
  candidates!: BacktestPolicyLabelView[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The sweep (path, from, to, step), if any',
  })
  sweep!: Record<string, unknown> | null;
  @ApiProperty({ type: BacktestProgressView }) progress!: BacktestProgressView;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'When done: the report (BacktestReport, docs/policy-lab.md)',
  })
  report!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why it failed' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/** A back-test as the list shows it: its status, progress, period and candidates, without the report. */
export class BacktestSummaryView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ example: { from: '2026-01-01', to: '2026-12-31' } }) period!: { from: string; to: string };
  @ApiProperty({ description: 'The version of the policy in force the candidates are compared with' })
  currentPolicyVersion!: string;
  @ApiProperty({ type: [BacktestPolicyLabelView], description: "The candidates run beside 'current'" })
  candidates!: BacktestPolicyLabelView[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The sweep (path, from, to, step), if any',
  })
  sweep!: Record<string, unknown> | null;
  @ApiProperty({ type: BacktestProgressView }) progress!: BacktestProgressView;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why it failed' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class BacktestPage {
  @ApiProperty({ type: [BacktestSummaryView] }) items!: BacktestSummaryView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
