import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

/** A figure (docs/metrics.md, "Conventions"): its value with what it was computed from. */
export class FigureView {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'numerator / denominator; null when the denominator is 0 (nothing was counted)',
  })
  value!: number | null;
  @ApiProperty() numerator!: number;
  @ApiProperty() denominator!: number;
}

export class MetricsFiltersView {
  @ApiProperty({ type: String, nullable: true }) segment!: string | null;
  @ApiProperty({ type: String, nullable: true }) csmId!: string | null;
  @ApiProperty({ type: String, nullable: true }) teamId!: string | null;
  @ApiProperty({ type: String, nullable: true }) policyVersion!: string | null;
}

/** The schema of a group's key: each groupBy dimension with its value (null: the rows have none). */
export const GROUP_KEY_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'string', nullable: true },
  description: 'Each groupBy dimension with its value (null: the rows have none); {} without groupBy',
};

/** What every metrics answer states beside its figures (subclassed by each route's answer). */
export class MetricsReportBaseView {
  @ApiProperty({ format: 'date', description: 'First day of the period (UTC, included)' }) from!: string;
  @ApiProperty({ format: 'date', description: 'Last day of the period (UTC, included)' }) to!: string;
  @ApiProperty({ type: [String], description: 'The dimensions grouped by, in order' }) groupBy!: string[];
  @ApiProperty({ type: MetricsFiltersView }) filters!: MetricsFiltersView;
  @ApiProperty({ description: "The deployment policy's version the figures are read against (its metrics section)" })
  policyVersion!: string;
  @ApiProperty({
    enum: ['rollups', 'rows'],
    description:
      'Where the figures were folded from: the rollup tables when they hold exactly what was asked (a reader who sees every account, no CSM or team), the plain rows otherwise; the figures are the same',
  })
  source!: 'rollups' | 'rows';
}
