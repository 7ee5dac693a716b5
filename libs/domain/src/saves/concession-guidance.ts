import type { ConcessionGuidanceBand, RetainPolicy, RiskSeverity, Tier } from '../policy/retain-policy';
import type { SaveProbabilityFacts } from './save-triage';

/**
 * What to offer and when (docs/rulebook.md §4.7, by risk severity, and not too late):
 * the discount band and the other concessions the save's risk calls for, how a
 * requested discount stands against that band, and the refusal of a discount once the
 * customer has committed to leave. A policy without these settings (a save started
 * before policy 2026-12-01.8) gives no guidance and refuses nothing.
 */

type GuidancePolicy = RetainPolicy['save']['concessionGuidance'];
type TimingPolicy = RetainPolicy['save']['concessionTiming'];

function guidanceSettings(policy: RetainPolicy): GuidancePolicy | null {
  return (policy.save as { concessionGuidance?: GuidancePolicy }).concessionGuidance ?? null;
}

function timingSettings(policy: RetainPolicy): TimingPolicy | null {
  return (policy.save as { concessionTiming?: TimingPolicy }).concessionTiming ?? null;
}

/**
 * The save's risk severity, from the probability tier its triage settled on (a person's
 * override included): a save likely to succeed has slight concerns (low risk), a
 * medium one serious concerns (medium risk), an unlikely one is likely to churn (high
 * risk). The articles' three risk levels are the three probability tiers read the other
 * way round.
 */
export const RISK_OF_PROBABILITY: Readonly<Record<Tier, RiskSeverity>> = { high: 'low', medium: 'medium', low: 'high' };

export function saveRiskSeverity(probabilityTier: Tier): RiskSeverity {
  return RISK_OF_PROBABILITY[probabilityTier];
}

/** What the save's people know of the customer's decision. */
export interface LeavingSigns {
  facts: Pick<SaveProbabilityFacts, 'alternative'>;
  /** The customer said the decision is final (a save conversation). */
  decisionFinal: boolean;
}

/** Whether the customer has committed to leave: committed to an alternative, or "the decision is final". */
export function committedToLeave(s: LeavingSigns): boolean {
  return s.facts.alternative === 'committed' || s.decisionFinal;
}

export interface ConcessionGuidance {
  risk: RiskSeverity;
  /** The probability tier the risk is read from. */
  probabilityTier: Tier;
  discountPct: { min: number; max: number };
  /** The other concessions to consider at this risk. */
  options: string[];
  /** The customer has committed to leave: a discount now comes too late. */
  discountTooLate: boolean;
  note: string;
}

/** The guidance for a save at its current triage, or null when its policy has none. */
export function concessionGuidance(
  save: LeavingSigns & { probabilityTier: Tier },
  policy: RetainPolicy,
): ConcessionGuidance | null {
  const bands = guidanceSettings(policy);
  if (!bands) return null;
  const risk = saveRiskSeverity(save.probabilityTier);
  const band: ConcessionGuidanceBand = bands[risk];
  const tooLate = committedToLeave(save);
  const refused = tooLate && timingSettings(policy)?.refuseDiscountOnceCommitted === true;
  const offer = `${risk} risk (${save.probabilityTier} save probability): a ${band.minDiscountPct}-${band.maxDiscountPct}% discount, or ${band.options.join(', ')}`;
  return {
    risk,
    probabilityTier: save.probabilityTier,
    discountPct: { min: band.minDiscountPct, max: band.maxDiscountPct },
    options: [...band.options],
    discountTooLate: tooLate,
    note: tooLate
      ? `the customer has committed to leave: a discount comes too late${refused ? ' and is refused' : ''}; ${offer}`
      : offer,
  };
}

export type DiscountFit = 'below' | 'within' | 'above';

/** How a requested discount stands against the save's guidance, kept on the concession. */
export interface DiscountGuidanceCheck {
  risk: RiskSeverity;
  minDiscountPct: number;
  maxDiscountPct: number;
  fit: DiscountFit;
  note: string;
}

/**
 * A discount against the band of the save's risk: below, within or above it. Advice
 * only, recorded with the request for its approver to see; null for a concession without
 * a discount or a save without guidance.
 */
export function discountAgainstGuidance(
  discountPct: number | null | undefined,
  guidance: ConcessionGuidance | null,
): DiscountGuidanceCheck | null {
  if (!guidance || !discountPct || discountPct <= 0) return null;
  const { min, max } = guidance.discountPct;
  const fit: DiscountFit = discountPct < min ? 'below' : discountPct > max ? 'above' : 'within';
  const band = `the ${min}-${max}% guidance for ${guidance.risk} risk`;
  return {
    risk: guidance.risk,
    minDiscountPct: min,
    maxDiscountPct: max,
    fit,
    note: fit === 'within' ? `${discountPct}% is within ${band}` : `${discountPct}% is ${fit} ${band}`,
  };
}

/**
 * A discount requested once the customer has committed to leave comes too late (§4.7:
 * it looks desperate, will probably not change their mind and sets a bad precedent): the
 * refusal's message, or null. Off when the policy says so or has no such setting.
 */
export function discountTooLateProblem(
  request: { discountPct?: number | null },
  save: LeavingSigns,
  policy: RetainPolicy,
): string | null {
  if ((request.discountPct ?? 0) <= 0) return null;
  if (timingSettings(policy)?.refuseDiscountOnceCommitted !== true || !committedToLeave(save)) return null;
  const why =
    save.facts.alternative === 'committed'
      ? 'the customer has committed to an alternative'
      : 'the customer said the decision is final';
  return `a discount comes too late: ${why}`;
}
