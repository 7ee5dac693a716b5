import { ApiProperty } from '@nestjs/swagger';
import {
  FORECAST_CATEGORIES,
  RENEWAL_DECISION_OUTCOMES,
  type ForecastCategory,
  type GroupKey,
  type RenewalDecisionOutcome,
} from '@retain/domain';
import { FigureView, GROUP_KEY_SCHEMA, MetricsReportBaseView } from './metrics.view';

export class TargetCheckView {
  @ApiProperty() target!: number;
  @ApiProperty({ type: Boolean, nullable: true, description: 'null when the figure has no value' }) met!:
    boolean | null;
}

export class RenewalTargetsView {
  @ApiProperty({ type: TargetCheckView, description: 'GRR above metrics.targets.grrAbove' }) grr!: TargetCheckView;
  @ApiProperty({ type: TargetCheckView, description: 'NRR above metrics.targets.nrrAbove' }) nrr!: TargetCheckView;
  @ApiProperty({ type: TargetCheckView, description: 'Logo churn below metrics.targets.logoChurnBelow (yearly)' })
  logoChurn!: TargetCheckView;
  @ApiProperty({ type: TargetCheckView, description: 'Revenue churn below metrics.targets.revenueChurnBelow (yearly)' })
  revenueChurn!: TargetCheckView;
}

export class DecisionMixEntryView {
  @ApiProperty({ enum: RENEWAL_DECISION_OUTCOMES }) outcome!: RenewalDecisionOutcome;
  @ApiProperty({ type: FigureView, description: 'Renewals with this outcome / decided renewals' }) count!: FigureView;
  @ApiProperty({ description: 'Their starting ARR (US cents)' }) arrCents!: number;
  @ApiProperty({ description: 'Their ARR after the decision as counted (churned 0, paused its starting ARR)' })
  decidedArrCents!: number;
}

export class MonthDueView {
  @ApiProperty({ example: '2027-01', pattern: '^\\d{4}-\\d{2}$' }) month!: string;
  @ApiProperty() renewals!: number;
  @ApiProperty() arrCents!: number;
  @ApiProperty() decided!: number;
  @ApiProperty() decidedArrCents!: number;
  @ApiProperty() undecided!: number;
  @ApiProperty() undecidedArrCents!: number;
}

export class ForecastCategoryView {
  @ApiProperty({ enum: FORECAST_CATEGORIES }) category!: ForecastCategory;
  @ApiProperty({ description: 'The probability of renewal applied' }) probability!: number;
  @ApiProperty({ enum: ['policy', 'history'] }) probabilitySource!: 'policy' | 'history';
  @ApiProperty({ description: "The policy's probability (metrics.renewalProbabilityByCategory)" })
  policyProbability!: number;
  @ApiProperty({
    type: FigureView,
    description: 'Not churned / decided, of the renewals decided in the last 12 months',
  })
  observedRate!: FigureView;
  @ApiProperty({ description: 'The decided renewals behind the observed rate' }) sampleSize!: number;
  @ApiProperty() renewals!: number;
  @ApiProperty() arrCents!: number;
  @ApiProperty({ description: 'arrCents x probability, to the cent' }) expectedArrCents!: number;
}

export class RenewalForecastView {
  @ApiProperty({ format: 'date', description: 'Today' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty() renewals!: number;
  @ApiProperty() arrCents!: number;
  @ApiProperty() expectedArrCents!: number;
  @ApiProperty({ type: [ForecastCategoryView], description: 'green, yellow, red, expansion, unclassified' })
  categories!: ForecastCategoryView[];
}

/** The renewal metrics (docs/metrics.md, "Renewal metrics", "Forecast"). */
export class RenewalMetricsView {
  @ApiProperty({ type: FigureView, description: 'Renewals due in the period' }) renewals!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Decided / due' }) decided!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Decided not churned / decided' }) logoRenewalRate!: FigureView;
  @ApiProperty({ type: FigureView, description: 'Churned / decided' }) logoChurn!: FigureView;
  @ApiProperty({ type: FigureView, description: 'The starting ARR of the decided renewals (US cents)' })
  startingArrCents!: FigureView;
  @ApiProperty({ type: FigureView }) expansionArrCents!: FigureView;
  @ApiProperty({ type: FigureView }) downsellArrCents!: FigureView;
  @ApiProperty({ type: FigureView }) churnedArrCents!: FigureView;
  @ApiProperty({ type: FigureView, description: '(starting - churned - downsell) / starting' }) grr!: FigureView;
  @ApiProperty({ type: FigureView, description: '(starting + expansion - churned - downsell) / starting' })
  nrr!: FigureView;
  @ApiProperty({ type: FigureView, description: '(churned + downsell) / starting' }) revenueChurn!: FigureView;
  @ApiProperty({ type: RenewalTargetsView }) targets!: RenewalTargetsView;
  @ApiProperty({ type: [DecisionMixEntryView], description: 'renewed, expanded, downsized, paused, churned' })
  decisionMix!: DecisionMixEntryView[];
  @ApiProperty({ type: [MonthDueView], description: 'Every month of the period' }) dueByMonth!: MonthDueView[];
  @ApiProperty({ type: RenewalForecastView }) forecast!: RenewalForecastView;
}

export class RenewalMetricsGroupView extends RenewalMetricsView {
  @ApiProperty(GROUP_KEY_SCHEMA) key!: GroupKey;
}

export class RenewalMetricsReportView extends MetricsReportBaseView {
  @ApiProperty({ type: RenewalMetricsView, description: 'The figures over every row the reader sees' })
  total!: RenewalMetricsView;
  @ApiProperty({ type: [RenewalMetricsGroupView], description: 'One per group (one, keyed {}, without groupBy)' })
  groups!: RenewalMetricsGroupView[];
}
