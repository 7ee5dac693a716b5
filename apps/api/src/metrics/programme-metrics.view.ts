import { ApiProperty } from '@nestjs/swagger';
import type { GroupKey, ProgrammeMetricFigures } from '@retain/domain';
import { TargetRangeCheckView } from './alert-metrics.view';
import { TargetCheckView } from './renewal-metrics.view';
import { FigureView, GROUP_KEY_SCHEMA, MetricsReportBaseView } from './metrics.view';

export class HealthScoreBandView {
  @ApiProperty({ example: '0-20', description: 'The band by its bounds (metrics.healthScoreBandsUpTo)' }) band!: string;
  @ApiProperty({ type: FigureView, description: 'Accounts whose latest score is in the band / accounts with a score' })
  accounts!: FigureView;
}

/** The programme metrics (docs/metrics.md, "Programme metrics"). */
export class ProgrammeMetricsView implements ProgrammeMetricFigures {
  @ApiProperty({
    type: FigureView,
    description: 'Median days from green (or expansion) to yellow or red, over the turns in the period',
  })
  medianDaysToRisk!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'Renewals first warned in the period with an intervention since / those renewals',
  })
  warningsActedOn!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Median days from the first warning to the first intervention' })
  medianDaysToIntervention!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'Churns in the period whose account has a customer-since date / churns',
  })
  churnsWithTenure!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Median completed months from customer-since to the churn' })
  medianTenureMonthsAtChurn!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Saves red at start saved / those with an outcome in the period' })
  highRiskSaveRate!: FigureView;
  @ApiProperty({ type: TargetCheckView, description: 'Above metrics.targets.highRiskSaveRateAbove' })
  highRiskSaveRateTarget!: TargetCheckView;
  @ApiProperty({ type: FigureView, description: 'Saves with an outcome (saved or lost) in the period' })
  savesAttempted!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Of them, saved' }) savedAccounts!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'ARR kept by saved accounts x lifetime years / saved accounts (US cents)',
  })
  averageLifetimeValueCents!: FigureView;
  @ApiProperty({ type: FigureView, description: 'metrics.programme.naturalSaveRate x saves attempted' })
  expectedNaturalSaves!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Hours logged on the saves attempted' }) effortHours!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: 'Effort hours x metrics.effortHourlyCostCents, plus (in the total) the monthly cost x the months',
  })
  programmeCostCents!: FigureView;
  @ApiProperty({
    type: FigureView,
    description: '(saved x LTV - expected natural saves x LTV - cost) / cost; null without cost',
  })
  programmeRoi!: FigureView;
  @ApiProperty({
    type: TargetRangeCheckView,
    description: 'Against metrics.targets.programmeRoiFrom to metrics.targets.programmeRoiTo',
  })
  programmeRoiTarget!: TargetRangeCheckView;
  @ApiProperty({
    type: [HealthScoreBandView],
    description: "Accounts by their latest health score at the period's end",
  })
  healthScoreBands!: HealthScoreBandView[];
  @ApiProperty({ type: FigureView, description: 'Accounts without a health score' }) unscoredAccounts!: FigureView;
}

export class ProgrammeMetricsGroupView extends ProgrammeMetricsView {
  @ApiProperty(GROUP_KEY_SCHEMA) key!: GroupKey;
}

export class ProgrammeMetricsReportView extends MetricsReportBaseView {
  @ApiProperty({ type: ProgrammeMetricsView, description: 'The figures over everything the reader sees' })
  total!: ProgrammeMetricsView;
  @ApiProperty({ type: [ProgrammeMetricsGroupView], description: 'One per group (one, keyed {}, without groupBy)' })
  groups!: ProgrammeMetricsGroupView[];
}
