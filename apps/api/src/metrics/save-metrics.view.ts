import { ApiProperty } from '@nestjs/swagger';
import type { GroupKey, SaveMetrics, SuccessBand } from '@retain/domain';
import { FigureView, GROUP_KEY_SCHEMA, MetricsReportBaseView } from './metrics.view';

const SUCCESS_BANDS: SuccessBand[] = ['below_solid', 'solid', 'above_solid', 'too_high'];

/** The save metrics (docs/metrics.md, "Save metrics"). */
export class SaveMetricsView implements SaveMetrics {
  @ApiProperty({ type: FigureView, description: 'Saves started in the period' }) saves!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'At-risk renewals due in the period with a save at effort full, standard or light / at-risk renewals',
  })
  attemptRate!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Saved / decided (saves with an outcome)' }) successRate!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Saved in full / decided' }) savedFull!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Saved in another shape (partial) / decided' })
  savedPartial!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Lost / decided' }) lost!: FigureView;
  @ApiProperty({
    type: String,
    enum: SUCCESS_BANDS,
    nullable: true,
    description: "The success rate against the policy's metrics.saveSuccess; null with nothing decided",
  })
  successBand!: SuccessBand | null;
  @ApiProperty({ type: FigureView, description: 'ARR kept by the saved outcomes of closed saves (US cents)' })
  revenueSavedCents!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Hours logged on closed saves' }) effortHours!: FigureView;
  @ApiProperty({ type: FigureView, description: 'effortHours x metrics.effortHourlyCostCents (US cents)' })
  effortCostCents!: FigureView;
  @ApiProperty({ type: FigureView, description: '(revenue saved - effort cost) / effort cost' }) roi!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Revenue saved / effort cost' }) savedToCost!: FigureView;
  @ApiProperty({
    type: FigureView,
    description:
      "Saved saves whose account's next renewal was decided not churned / those whose next renewal was decided",
  })
  postSaveRetention!: FigureView;
  @ApiProperty({ type: FigureView, description: "Median days from a saved save's start to its outcome" })
  timeToSaveDays!: FigureView;
}

export class SaveMetricsGroupView extends SaveMetricsView {
  @ApiProperty(GROUP_KEY_SCHEMA) key!: GroupKey;
}

export class SaveMetricsReportView extends MetricsReportBaseView {
  @ApiProperty({ type: SaveMetricsView, description: 'The figures over every row the reader sees' })
  total!: SaveMetricsView;
  @ApiProperty({ type: [SaveMetricsGroupView], description: 'One per group (one, keyed {}, without groupBy)' })
  groups!: SaveMetricsGroupView[];
}
