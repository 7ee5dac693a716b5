import { FORECAST_CATEGORIES, type ForecastCategory, type MetricsPolicy } from '../policy/sections/metrics.policy';
import { addDays, addMonths } from '../time/local-time';
import { ratio, type Figure } from './figures';
import { metricsPeriod, type MetricsPeriod } from './period';
import type { RenewalDimensionFacts } from './renewal-metrics';

/**
 * The forecast of upcoming renewals (docs/metrics.md, "Forecast"): by current risk
 * category, the ARR due and the ARR expected from each category's probability of
 * renewal, the policy's until the category's history of decided renewals is large
 * enough, then that history's. Pure.
 */

/** An upcoming renewal: active, undecided, due in the forecast's window; its risk category the current one. */
export interface ForecastRenewalRow extends RenewalDimensionFacts {
  renewalId: string;
  renewalDate: string;
  arrCents: number;
}

/** The renewals of a category decided in the last 12 months: how many, and how many of them not churned. */
export interface ForecastHistoryRow {
  category: ForecastCategory;
  decided: number;
  renewed: number;
}

export interface CategoryProbability {
  category: ForecastCategory;
  probability: number;
  probabilitySource: 'policy' | 'history';
  policyProbability: number;
  /** Not churned / decided over the last 12 months. */
  observedRate: Figure;
  /** The decided renewals behind the observed rate. */
  sampleSize: number;
}

export interface ForecastCategoryEntry extends CategoryProbability {
  renewals: number;
  arrCents: number;
  expectedArrCents: number;
}

export interface RenewalForecast {
  from: string;
  to: string;
  renewals: number;
  arrCents: number;
  expectedArrCents: number;
  categories: ForecastCategoryEntry[];
}

/**
 * The window of upcoming renewals: from today to the period's end when that is after
 * today, otherwise to today + 12 months less a day.
 */
export function forecastWindow(period: MetricsPeriod, today: string): MetricsPeriod {
  return { from: today, to: period.to > today ? period.to : addDays(addMonths(today, 12), -1) };
}

/** The 12 months whose decided renewals make the history: the day after today less 12 months, to today. */
export function forecastHistoryPeriod(today: string): MetricsPeriod {
  const p = metricsPeriod({}, today);
  if ('problem' in p) throw new RangeError(p.problem);
  return p.period;
}

/** A category of the forecast: its renewal's risk category, or unclassified. */
export function forecastCategoryOf(riskCategory: string | null): ForecastCategory {
  return (FORECAST_CATEGORIES as readonly string[]).includes(riskCategory ?? '')
    ? (riskCategory as ForecastCategory)
    : 'unclassified';
}

/**
 * Each category's probability of renewal: the observed rate of its history once it has
 * at least `forecastMinDecidedPerCategory` decided renewals, the policy's before.
 */
export function forecastProbabilities(
  history: readonly ForecastHistoryRow[],
  policy: Pick<MetricsPolicy, 'renewalProbabilityByCategory' | 'forecastMinDecidedPerCategory'>,
): CategoryProbability[] {
  return FORECAST_CATEGORIES.map((category) => {
    const rows = history.filter((h) => h.category === category);
    const decided = rows.reduce((sum, h) => sum + h.decided, 0);
    const renewed = rows.reduce((sum, h) => sum + h.renewed, 0);
    const observedRate = ratio(renewed, decided);
    const policyProbability = policy.renewalProbabilityByCategory[category];
    const fromHistory = decided >= policy.forecastMinDecidedPerCategory && observedRate.value !== null;
    return {
      category,
      probability: fromHistory ? observedRate.value! : policyProbability,
      probabilitySource: fromHistory ? 'history' : 'policy',
      policyProbability,
      observedRate,
      sampleSize: decided,
    };
  });
}

/** The forecast of `upcoming` (due in `window`) with the categories' `probabilities`: every category, in order. */
export function renewalForecast(
  upcoming: readonly ForecastRenewalRow[],
  probabilities: readonly CategoryProbability[],
  window: MetricsPeriod,
): RenewalForecast {
  const categories = probabilities.map((p) => {
    const due = upcoming.filter((r) => forecastCategoryOf(r.riskCategory) === p.category);
    const arrCents = due.reduce((sum, r) => sum + r.arrCents, 0);
    return { ...p, renewals: due.length, arrCents, expectedArrCents: Math.round(arrCents * p.probability) };
  });
  return {
    from: window.from,
    to: window.to,
    renewals: categories.reduce((sum, c) => sum + c.renewals, 0),
    arrCents: categories.reduce((sum, c) => sum + c.arrCents, 0),
    expectedArrCents: categories.reduce((sum, c) => sum + c.expectedArrCents, 0),
    categories,
  };
}
