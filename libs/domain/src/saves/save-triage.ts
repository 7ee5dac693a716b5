import type { EffortLevel, RetainPolicy, Tier } from '../policy/retain-policy';
import {
  daysUntilRenewal,
  renewalMilestones,
  renewalTimeBand,
  type RenewalTimeBand,
} from '../renewals/renewal-timeline';
import { probabilityWithTimeLeft } from './time-remaining';

/**
 * Triage of a save (docs/rulebook.md, "Save triage"): the save probability, the account's
 * value, and from both the effort the save gets and its deadline.
 */

export const ROOT_CAUSES = ['product_fit', 'service_experience', 'value_perception', 'circumstantial'] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

/** The facts of docs/rulebook.md §4.1, each on a good / middling / bad scale. */
export interface SaveProbabilityFacts {
  /** yes: fixable issues; complex: addressable but complex; no: fundamental product-fit problems. */
  issuesFixable: 'yes' | 'complex' | 'no';
  relationship: 'good' | 'strained' | 'broken';
  /** none: no clearly better alternative; evaluating; committed: already committed to one. */
  alternative: 'none' | 'evaluating' | 'committed';
  budget: 'confirmed' | 'uncertain' | 'none';
  stakeholders: 'engaged' | 'mixed' | 'checked_out';
}

/** The values each §4.1 fact takes, from good to bad. */
export const SAVE_FACT_VALUES = {
  issuesFixable: ['yes', 'complex', 'no'],
  relationship: ['good', 'strained', 'broken'],
  alternative: ['none', 'evaluating', 'committed'],
  budget: ['confirmed', 'uncertain', 'none'],
  stakeholders: ['engaged', 'mixed', 'checked_out'],
} as const satisfies { [K in keyof SaveProbabilityFacts]: ReadonlyArray<SaveProbabilityFacts[K]> };

const SCALE: { [K in keyof SaveProbabilityFacts]: Record<SaveProbabilityFacts[K], 0 | 1 | 2> } = {
  issuesFixable: { yes: 2, complex: 1, no: 0 },
  relationship: { good: 2, strained: 1, broken: 0 },
  alternative: { none: 2, evaluating: 1, committed: 0 },
  budget: { confirmed: 2, uncertain: 1, none: 0 },
  stakeholders: { engaged: 2, mixed: 1, checked_out: 0 },
};

export interface ProbabilityAssessment {
  tier: Tier;
  points: number;
  reasons: string[];
}

/**
 * Save-probability tier (docs/rulebook.md §4.1). Each fact scores 2 (the high column), 1
 * (medium) or 0 (low). High needs at least `highFromPoints` and no fact in the low
 * column; low is at most `lowUpToPoints`, or an alternative already committed to (the
 * customer has decided); everything else is medium. A person may override the tier
 * with a recorded reason; that happens in the workflow, not here.
 */
export function assessSaveProbability(f: SaveProbabilityFacts, policy: RetainPolicy): ProbabilityAssessment {
  const p = policy.save.probability;
  const scores = (Object.keys(SCALE) as Array<keyof SaveProbabilityFacts>).map(
    (k) => [k, (SCALE[k] as Record<string, 0 | 1 | 2>)[f[k]]!] as const,
  );
  const points = scores.reduce((sum, [, v]) => sum + v, 0);
  const bad = scores.filter(([, v]) => v === 0).map(([k]) => k);
  const reasons = [`${points} of 10 points`, ...(bad.length ? [`in the low column: ${bad.join(', ')}`] : [])];
  if (f.alternative === 'committed')
    return { tier: 'low', points, reasons: [...reasons, 'already committed to an alternative'] };
  if (points <= p.lowUpToPoints) return { tier: 'low', points, reasons };
  if (points >= p.highFromPoints && bad.length === 0) return { tier: 'high', points, reasons };
  return { tier: 'medium', points, reasons };
}

export interface StrategicFlags {
  logo?: boolean;
  reference?: boolean;
  caseStudy?: boolean;
  growthPotential?: boolean;
}

/** The strategic flags of §4.2, each raising the value tier one step. */
export const STRATEGIC_FLAGS = ['logo', 'reference', 'caseStudy', 'growthPotential'] as const;

/** Account value tier (§4.2): ARR bands, raised one step by any strategic flag. */
export function accountValueTier(
  arrCents: number,
  flags: StrategicFlags,
  policy: RetainPolicy,
): { tier: Tier; reasons: string[] } {
  const v = policy.save.value;
  const base: Tier = arrCents >= v.highFromArrCents ? 'high' : arrCents >= v.mediumFromArrCents ? 'medium' : 'low';
  const strategic = (Object.entries(flags) as Array<[keyof StrategicFlags, boolean | undefined]>)
    .filter(([, on]) => on)
    .map(([k]) => k);
  const reasons = [`ARR $${Math.round(arrCents / 100).toLocaleString('en-US')} is ${base} value`];
  if (strategic.length === 0 || base === 'high') return { tier: base, reasons };
  const raised: Tier = base === 'low' ? 'medium' : 'high';
  return { tier: raised, reasons: [...reasons, `raised to ${raised} for ${strategic.join(', ')}`] };
}

export interface EffortAllocation {
  effort: EffortLevel;
  valueTier: Tier;
  probabilityTier: Tier;
  timeBand: RenewalTimeBand;
  people: string[];
  hoursPlanned: number;
  /** Hours planned × the tier's expected success (§4.1: 40 h at 10% is 4 h). */
  expectedValueHours: number;
  /** Inside the effort's duration window and never after the renewal date. */
  deadline: string | null;
}

const DAY = 86_400_000;

/**
 * The effort a save gets (§4.4) from the total policy matrix, with its deadline: the
 * end of the effort's window, cut to the renewal date when that comes first (§4.5:
 * under 30 days is emergency mode).
 */
export function allocateSaveEffort(
  input: { valueTier: Tier; probabilityTier: Tier; now: Date; renewalAt: Date; daysLeft: number },
  policy: RetainPolicy,
): EffortAllocation {
  const effort = policy.save.effortMatrix[input.valueTier][input.probabilityTier];
  const e = policy.save.efforts[effort];
  const windowEnd = input.now.getTime() + e.maxDays * DAY;
  const deadline = effort === 'none' ? null : new Date(Math.min(windowEnd, input.renewalAt.getTime())).toISOString();
  return {
    effort,
    valueTier: input.valueTier,
    probabilityTier: input.probabilityTier,
    timeBand: renewalTimeBand(input.daysLeft, policy),
    people: [...e.people],
    hoursPlanned: e.hoursPlanned,
    expectedValueHours: Math.round(e.hoursPlanned * policy.save.expectedSuccess[input.probabilityTier] * 10) / 10,
    deadline,
  };
}

/**
 * A first triage for a save started by a red renewal, read off the renewal's health
 * inputs (docs/rulebook.md §3 → §4.1, §4.3). It is a starting point for people to correct by
 * re-triage, not a verdict: unknown facts take the middle of the scale.
 */
export function saveFactsFromHealth(h: {
  relationship?: string | null;
  competitiveSignal?: boolean | null;
  budgetSignal?: boolean | null;
  stakeholderChange?: boolean | null;
  businessChange?: boolean | null;
  churnSignal?: string | null;
  supportSentiment?: string | null;
  repeatedComplaints?: boolean | null;
  /** The renewal's signals: those still counting read like the flags above. */
  signals?: ReadonlyArray<{ kind: string; text: string; resolved: unknown; expiredNoted?: boolean }> | null;
}): { facts: SaveProbabilityFacts; rootCause: RootCause; budgetRelated: boolean } {
  const live = (h.signals ?? []).filter((s) => !s.resolved && !s.expiredNoted);
  const has = (kind: string) => live.some((s) => s.kind === kind);
  if (live.length)
    h = {
      ...h,
      competitiveSignal: h.competitiveSignal || has('competitive'),
      stakeholderChange: h.stakeholderChange || has('stakeholder_change'),
      churnSignal:
        h.churnSignal ??
        (live.some((s) => s.kind === 'commercial' && /payment/.test(s.text)) ? 'payment_failure' : null),
    };
  const facts: SaveProbabilityFacts = {
    issuesFixable: 'complex',
    relationship: h.relationship === 'broken' ? 'broken' : h.relationship === 'strained' ? 'strained' : 'good',
    alternative: h.competitiveSignal ? 'evaluating' : 'none',
    budget: h.budgetSignal || h.churnSignal === 'payment_failure' ? 'uncertain' : 'confirmed',
    stakeholders: h.stakeholderChange ? 'mixed' : 'engaged',
  };
  const rootCause = h.competitiveSignal
    ? 'product_fit'
    : h.budgetSignal || h.businessChange
      ? 'circumstantial'
      : h.supportSentiment === 'negative' ||
          h.repeatedComplaints ||
          h.relationship === 'strained' ||
          h.relationship === 'broken'
        ? 'service_experience'
        : 'value_perception';
  return { facts, rootCause, budgetRelated: Boolean(h.budgetSignal) };
}

/** A triage of the save at one moment: what was assessed, why, and the effort that follows. */
export interface SaveTriage {
  at: string;
  cause: string;
  probability: ProbabilityAssessment;
  /** A person's override of the probability tier, with the reason. */
  probabilityOverride: { tier: Tier; reason: string; by: string } | null;
  value: { tier: Tier; reasons: string[] };
  rootCause: RootCause;
  allocation: EffortAllocation;
}

export interface TriageSubject {
  facts: SaveProbabilityFacts;
  strategicFlags: StrategicFlags;
  arrCents: number;
  rootCause: RootCause;
  /** The renewal's date in the account's time zone: the effort never runs past its renewal day. */
  renewalDate: string;
  timeZone: string;
}

/**
 * Triages a save at `now` (§4.1 to §4.5): probability and value tiers, a person's
 * override of the probability tier taking precedence, and the effort the matrix gives.
 */
export function triageSave(
  subject: TriageSubject,
  cause: string,
  override: SaveTriage['probabilityOverride'],
  now: Date,
  policy: RetainPolicy,
): SaveTriage {
  const value = accountValueTier(subject.arrCents, subject.strategicFlags, policy);
  const renewalAt = renewalMilestones(subject.renewalDate, subject.timeZone, policy).find(
    (m) => m.phase === 'renewal_day',
  )!.at;
  const daysLeft = daysUntilRenewal(subject.renewalDate, subject.timeZone, now);
  const probability = probabilityWithTimeLeft(
    assessSaveProbability(subject.facts, policy),
    subject.facts,
    renewalTimeBand(daysLeft, policy),
    policy,
  );
  return {
    at: now.toISOString(),
    cause,
    probability,
    probabilityOverride: override,
    value,
    rootCause: subject.rootCause,
    allocation: allocateSaveEffort(
      { valueTier: value.tier, probabilityTier: override?.tier ?? probability.tier, now, renewalAt, daysLeft },
      policy,
    ),
  };
}

/** An override of the probability tier needs its reason; the problem, or null. */
export function probabilityOverrideProblem(reason: string | undefined): string | null {
  return reason?.trim() ? null : 'an override needs a reason';
}

/**
 * What is wrong with a re-triage's change (docs/rulebook.md, "Save triage"): it names at
 * least one fact or strategic flag, each fact with one of its values and each flag true
 * or false; the problem, or null. What it does not name stays as it was.
 */
export function retriageProblem(change: {
  facts?: object | undefined;
  strategicFlags?: object | undefined;
}): string | null {
  const named = (o: object | undefined) => Object.entries(o ?? {}).filter(([, v]) => v !== undefined);
  const facts = named(change.facts);
  const flags = named(change.strategicFlags);
  if (facts.length + flags.length === 0) return 'a re-triage names at least one fact or strategic flag';
  for (const [key, value] of facts) {
    if (!Object.hasOwn(SAVE_FACT_VALUES, key)) return `${key} is not a save fact`;
    const values: readonly string[] = SAVE_FACT_VALUES[key as keyof SaveProbabilityFacts];
    if (typeof value !== 'string' || !values.includes(value)) return `${key} must be one of ${values.join(', ')}`;
  }
  for (const [key, value] of flags) {
    if (!(STRATEGIC_FLAGS as readonly string[]).includes(key)) return `${key} is not a strategic flag`;
    if (typeof value !== 'boolean') return `${key} must be true or false`;
  }
  return null;
}
