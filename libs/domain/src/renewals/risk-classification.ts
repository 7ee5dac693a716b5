import type { RetainPolicy } from '../policy/retain-policy';
import { signalLive, type RenewalSignal } from './renewal-signals';

/** docs/rulebook.md §1: green, yellow, red, expansion. */
export const RISK_CATEGORIES = ['green', 'yellow', 'red', 'expansion'] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

/**
 * What is known of an account's health when a renewal is (re)classified. Every field is
 * optional: an unknown input neither helps nor hurts (docs/rulebook.md §1, §3).
 */
export interface RenewalHealthInputs {
  /** 0-100. */
  healthScore?: number | null;
  healthScoreTrend?: 'rising' | 'stable' | 'falling' | null;
  /** The account's position in the portfolio by health, 0-100 (bottom quartile < 25). */
  healthPercentile?: number | null;
  /** Change of product usage over the recent period, in percent (-40 = down 40%). */
  usageChangePct?: number | null;
  supportSentiment?: 'positive' | 'neutral' | 'negative' | null;
  /** The same issue raised again and again in tickets. */
  repeatedComplaints?: boolean | null;
  relationship?: 'strong' | 'good' | 'strained' | 'broken' | null;
  businessOutcomes?: 'achieved' | 'partial' | 'not_achieved' | null;
  /** "How do you compare to X?", competitor evaluation, data-export questions. */
  competitiveSignal?: boolean | null;
  /** "We need to cut costs", "price too high", "reviewing all vendors". */
  budgetSignal?: boolean | null;
  /** Champion, sponsor or decision maker left or changed role. */
  stakeholderChange?: boolean | null;
  /** Merger, acquisition, layoffs, strategic pivot. */
  businessChange?: boolean | null;
  /** A lagging churn signal (§5.1 P0): a payment failed, or the customer asked how to cancel. */
  churnSignal?: 'payment_failure' | 'cancellation_inquiry' | null;
  /** Competitive, stakeholder and commercial signals with their weight and lifetime (renewal-signals.ts); only live ones count. */
  signals?: RenewalSignal[] | null;
  /** Whitespace found, customer states growth needs, strong relationship with the budget holder. */
  growth?: { whitespace?: boolean; statedGrowthNeeds?: boolean; budgetHolderRelationship?: boolean } | null;
}

/** Signal families of docs/rulebook.md §3 plus the §1 health components. */
export type SignalFamily =
  | 'health'
  | 'usage'
  | 'negative_feedback'
  | 'relationship'
  | 'business_outcomes'
  | 'competitive'
  | 'budget'
  | 'stakeholder_change'
  | 'business_change'
  | 'commercial';

export interface RiskReason {
  /** decisive: red on its own; risk: a signal family at risk; concern: mixed signal; growth; healthy; unknown. */
  kind: 'decisive' | 'risk' | 'concern' | 'growth' | 'healthy' | 'unknown';
  family?: SignalFamily;
  text: string;
}

export interface RiskClassification {
  category: RiskCategory;
  reasons: RiskReason[];
}

function hasAnyInput(i: RenewalHealthInputs): boolean {
  return Object.values(i).some((v) => v !== undefined && v !== null);
}

/**
 * Whether a classification names other signals than the one before it (§3: the reasons
 * are recorded whenever they change, not only when the category does): a signal family
 * that came, went or changed its kind. A figure that moves inside the same signal (a
 * health score of 35, then 33) is not a new reason, so a daily score does not flood the
 * history.
 */
export function reasonsChanged(previous: readonly RiskReason[], next: readonly RiskReason[]): boolean {
  const key = (r: RiskReason) => `${r.kind}:${r.family ?? ''}`;
  const a = new Set(previous.map(key));
  const b = new Set(next.map(key));
  return a.size !== b.size || [...a].some((k) => !b.has(k));
}

/**
 * Whether a health score is a warning (§3: 50 or below), said as the reason puts it; null
 * when it is not. A renewal started under a policy before 2026-12-01.8 carries the strict
 * `healthScoreWarningBelow` of its time and keeps deciding by it.
 */
export function healthAtRisk(score: number | null, c: RetainPolicy['renewal']['classification']): string | null {
  if (score === null) return null;
  const strict = (c as { healthScoreWarningBelow?: number }).healthScoreWarningBelow;
  if (c.healthScoreWarningUpTo === undefined && strict !== undefined) return score < strict ? `below ${strict}` : null;
  return score <= c.healthScoreWarningUpTo ? `${c.healthScoreWarningUpTo} or below` : null;
}

/**
 * Classifies a renewal (docs/rulebook.md §1, §3). One signal may be noise; several together are
 * real risk: a renewal is red when a decisive signal is present (competitive signal,
 * since save mode must activate; a stakeholder change, since the relationship resets to
 * zero; a broken relationship) or when at least `redMinSignalFamilies` signal families
 * are at risk. One family at risk, or a mixed signal, is yellow. With no concern at all
 * it is green, or expansion when growth signals come with a budget-holder relationship.
 * With no input at all it is yellow: not knowing is not healthy.
 */
export function classifyRenewalRisk(i: RenewalHealthInputs, policy: RetainPolicy, now?: Date): RiskClassification {
  const c = policy.renewal.classification;
  const reasons: RiskReason[] = [];
  const add = (kind: RiskReason['kind'], family: SignalFamily, text: string) => reasons.push({ kind, family, text });

  if (i.competitiveSignal) add('decisive', 'competitive', 'competitive signals: save mode must activate');
  if (i.stakeholderChange)
    add('decisive', 'stakeholder_change', 'a key stakeholder left or changed role: the relationship resets to zero');
  if (i.relationship === 'broken') add('decisive', 'relationship', 'the relationship is broken');
  // Signals with their weight: decisive ones are red on their own, the others one family at risk; expired or resolved ones no longer count.
  for (const s of (i.signals ?? []).filter((x) => (now ? signalLive(x, now) : x.resolved === null)))
    add(s.decisive ? 'decisive' : 'risk', s.kind, s.text);
  if (i.churnSignal)
    add(
      'decisive',
      'commercial',
      i.churnSignal === 'payment_failure'
        ? 'a payment failed: a lagging churn signal, whatever the distance to the renewal'
        : 'the customer asked how to cancel: a lagging churn signal, whatever the distance to the renewal',
    );

  const score = i.healthScore ?? null;
  const warning = healthAtRisk(score, c);
  if (warning) add('risk', 'health', `health score ${score} is ${warning}`);
  else if (i.healthPercentile != null && i.healthPercentile < c.healthPercentileWarningBelow)
    add('risk', 'health', `health is in the bottom ${c.healthPercentileWarningBelow}% of the portfolio`);
  else if (score !== null && score < c.healthScoreConcernBelow)
    add('concern', 'health', `health score ${score} is below ${c.healthScoreConcernBelow}`);
  if (i.healthScoreTrend === 'falling') add('concern', 'health', 'health score is falling');

  const usage = i.usageChangePct ?? null;
  if (usage !== null && -usage >= c.usageDropRiskPct)
    add('risk', 'usage', `usage down ${-usage}% (at least ${c.usageDropRiskPct}%)`);
  else if (usage !== null && -usage >= c.usageDropConcernPct) add('concern', 'usage', `usage down ${-usage}%`);

  if (i.supportSentiment === 'negative' || i.repeatedComplaints) {
    add(
      'risk',
      'negative_feedback',
      i.repeatedComplaints ? 'the same complaint keeps coming back in tickets' : 'negative support sentiment',
    );
  }
  if (i.relationship === 'strained') add('risk', 'relationship', 'the relationship is strained');
  if (i.businessOutcomes === 'not_achieved')
    add('risk', 'business_outcomes', 'business outcomes not achieved: ROI unclear');
  else if (i.businessOutcomes === 'partial')
    add('concern', 'business_outcomes', 'business outcomes only partly achieved');
  if (i.budgetSignal) add('risk', 'budget', 'budget signals: cost cutting or price pressure');
  if (i.businessChange) add('risk', 'business_change', 'major internal change at the customer (M&A, layoffs, pivot)');

  const decisive = reasons.some((r) => r.kind === 'decisive');
  const riskFamilies = new Set(reasons.filter((r) => r.kind === 'risk').map((r) => r.family));
  if (decisive || riskFamilies.size >= c.redMinSignalFamilies) return { category: 'red', reasons };
  if (riskFamilies.size > 0 || reasons.some((r) => r.kind === 'concern')) return { category: 'yellow', reasons };
  if (!hasAnyInput(i))
    return {
      category: 'yellow',
      reasons: [{ kind: 'unknown', text: 'no health input yet: review before treating as healthy' }],
    };

  const g = i.growth ?? {};
  if ((g.whitespace || g.statedGrowthNeeds) && g.budgetHolderRelationship) {
    const what = [g.whitespace ? 'whitespace found' : '', g.statedGrowthNeeds ? 'customer states growth needs' : '']
      .filter(Boolean)
      .join(', ');
    return {
      category: 'expansion',
      reasons: [
        {
          kind: 'growth',
          text: `healthy, with growth signals (${what}) and a strong relationship with the budget holder`,
        },
      ],
    };
  }
  return { category: 'green', reasons: [{ kind: 'healthy', text: 'no risk signals' }] };
}
