import { ApiProperty } from '@nestjs/swagger';
import type { AlertMetricFigures, GroupKey, TargetBand } from '@retain/domain';
import { FigureView, GROUP_KEY_SCHEMA, MetricsReportBaseView } from './metrics.view';

const TARGET_BANDS: TargetBand[] = ['below', 'within', 'above'];

/** A target range (both ends included) and where the figure stands in it. */
export class TargetRangeCheckView {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty({
    type: String,
    enum: TARGET_BANDS,
    nullable: true,
    description: 'below, within or above the range; null when the figure has no value',
  })
  band!: TargetBand | null;
}

/** The alert metrics (docs/metrics.md, "Alert metrics"). */
export class AlertMetricsView implements AlertMetricFigures {
  @ApiProperty({ type: FigureView, description: 'Alerts triggered in the period (open, acknowledged and resolved)' })
  alerts!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Acknowledged / alerts' }) acknowledged!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Median hours from trigger to acknowledgement, over the acknowledged' })
  medianHoursToAcknowledge!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'Escalated, or answered (acknowledged or resolved) after respondBy, or not yet past it / alerts',
  })
  slaBreaches!: FigureView;
  @ApiProperty({
    type: FigureView,
    description:
      'Real risk (the account churned, downsized or had a save within metrics.alertOutcomeWindowDays) / alerts whose outcome is known',
  })
  precision!: FigureView;
  @ApiProperty({ type: TargetRangeCheckView, description: 'Precision against metrics.alertPrecisionTarget' })
  precisionTarget!: TargetRangeCheckView;
  @ApiProperty({ type: FigureView, description: 'Alerts whose window is still open with no outcome yet' })
  pendingOutcome!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'Churns decided in the period warned at least metrics.alertLeadDays ahead / churns',
  })
  recall!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Median days from the first warning to the churn, over warned churns' })
  medianLeadDays!: FigureView;
}

export class AlertMetricsGroupView extends AlertMetricsView {
  @ApiProperty(GROUP_KEY_SCHEMA) key!: GroupKey;
}

export class AlertMetricsReportView extends MetricsReportBaseView {
  @ApiProperty({ type: AlertMetricsView, description: 'The figures over every alert the reader sees' })
  total!: AlertMetricsView;
  @ApiProperty({ type: [AlertMetricsGroupView], description: 'One per group (one, keyed {}, with an empty groupBy)' })
  groups!: AlertMetricsGroupView[];
}
