/**
 * Policy section `save`: the save effort (docs/rulebook.md §4): triage, effort levels,
 * approvals, escalation and the lost-cause helper. Type, defaults and checks side by
 * side; retain-policy.ts composes the sections.
 */
import { oneOf } from './checks';

export const TIERS = ['high', 'medium', 'low'] as const;
export type Tier = (typeof TIERS)[number];
export const EFFORT_LEVELS = ['full', 'standard', 'light', 'none'] as const;
export type EffortLevel = (typeof EFFORT_LEVELS)[number];
export const APPROVER_ROLES = ['csm', 'csm_manager', 'director', 'vp'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export interface SavePolicy {
  /** Save probability (docs/rulebook.md §4.1): points per fact (good 2, middling 1, bad 0) and the cut-offs. */
  probability: { highFromPoints: number; lowUpToPoints: number };
  /** Point estimates of each tier's success rate, for expected value (§4.1: high and medium the midpoints, low the worked example's 10%). */
  expectedSuccess: Record<Tier, number>;
  /** Account value (§4.2): ARR bands in US cents; a strategic flag raises the tier one step. */
  value: { highFromArrCents: number; mediumFromArrCents: number };
  /** The total (value × probability) → effort matrix (§4.4). */
  effortMatrix: Record<Tier, Record<Tier, EffortLevel>>;
  /** Per effort: duration window in days, hours planned, people involved (§4.4). */
  efforts: Record<EffortLevel, { minDays: number; maxDays: number; hoursPlanned: number; people: string[] }>;
  /** Fast fixes (§4.6 step 4): how many issues, due within how many hours. */
  fastFix: { count: number; dueWithinHours: number };
  /** Approval matrix (§4.7): the largest discount (percent) each role may approve. */
  approval: {
    maxDiscountPct: Record<Exclude<ApproverRole, 'vp'>, number>;
    executiveFromPct: number;
    /** The least role for each kind of concession, whatever its discount (§4.7 approval matrix). */
    byConcessionType: Record<
      'discount' | 'payment_terms' | 'reduced_scope' | 'multi_year_lock' | 'service' | 'contract_term',
      ApproverRole
    >;
  };
  /** A pending approval not decided within this many hours escalates to the next level. */
  approvalSlaHours: number;
  /** Graceful exit (§4.9): continued-service period offered to a lost account, in days. */
  continuedServiceDays: number;
  /** Executive escalation (§4.8): allowed from this ARR (cents) or with a strategic flag; days per protocol step. */
  executiveEscalation: { fromArrCents: number; stepDays: number };
  /** Lost-cause helper (§4.9): what an hour of save effort costs (cents), and how many signs suggest stopping. */
  lostCause: { hourCostCents: number; suggestStopFromSigns: number };
  /**
   * What the time left before the renewal changes (§4.5; policies before 2026-12-01.2 have
   * none of it, and the saves started under them keep triaging as before). Under 30
   * days (emergency): the probability is low unless the issues are minor, the plan holds
   * fast fixes only, and executive escalation starts at once where its criteria hold.
   * 30 to 89 days (compressed): the plan keeps to critical issues, those that are deal
   * breakers or have an impact of at least `criticalFromImpact`.
   */
  timeRemaining: {
    emergencyLowUnlessMinor: boolean;
    emergencyFastFixesOnly: boolean;
    emergencyEscalateAtOnce: boolean;
    compressedCriticalIssuesOnly: boolean;
    criticalFromImpact: number;
  };
}

export const SAVE_DEFAULTS: SavePolicy = {
  // Five facts, 2 points each when good: 8+ with no bad fact is high; 3 or less is low.
  probability: { highFromPoints: 8, lowUpToPoints: 3 },
  // §4.1 ranges 60-80%, 30-50%, 10-25%; low at the worked example's 10% ("40 hours at a 10% chance").
  expectedSuccess: { high: 0.7, medium: 0.4, low: 0.1 },
  value: { highFromArrCents: 10_000_000, mediumFromArrCents: 2_500_000 },
  // value → probability → effort. full: high value with high or medium probability;
  // standard: medium value with medium probability; light: low value or low
  // probability; none: low value and low probability.
  effortMatrix: {
    high: { high: 'full', medium: 'full', low: 'light' },
    medium: { high: 'standard', medium: 'standard', low: 'light' },
    low: { high: 'light', medium: 'light', low: 'none' },
  },
  efforts: {
    full: { minDays: 30, maxDays: 90, hoursPlanned: 40, people: ['csm', 'csm_manager', 'director', 'vp', 'product'] },
    standard: { minDays: 14, maxDays: 30, hoursPlanned: 15, people: ['csm', 'csm_manager'] },
    light: { minDays: 7, maxDays: 14, hoursPlanned: 4, people: ['csm'] },
    none: { minDays: 0, maxDays: 0, hoursPlanned: 0, people: [] },
  },
  fastFix: { count: 3, dueWithinHours: 72 },
  approval: {
    maxDiscountPct: { csm: 5, csm_manager: 15, director: 25 },
    executiveFromPct: 30,
    // csm: payment terms; csm_manager: enhanced service; director: contract and term changes.
    byConcessionType: {
      discount: 'csm',
      payment_terms: 'csm',
      service: 'csm_manager',
      reduced_scope: 'director',
      multi_year_lock: 'director',
      contract_term: 'director',
    },
  },
  approvalSlaHours: 24,
  continuedServiceDays: 30,
  executiveEscalation: { fromArrCents: 5_000_000, stepDays: 3 },
  lostCause: { hourCostCents: 15_000, suggestStopFromSigns: 2 },
  // §4.5: "under 30 days ... mainly stop-gap solutions, low probability unless the problem was minor from the start";
  // "30-90 days ... focus only on the critical issues".
  timeRemaining: {
    emergencyLowUnlessMinor: true,
    emergencyFastFixesOnly: true,
    emergencyEscalateAtOnce: true,
    compressedCriticalIssuesOnly: true,
    criticalFromImpact: 4,
  },
};

/** Checks the save section; one message per violation. */
export function validateSavePolicy(sv: SavePolicy): string[] {
  const errors: string[] = [];
  for (const v of TIERS)
    for (const pr of TIERS) {
      if (!oneOf(EFFORT_LEVELS, sv.effortMatrix?.[v]?.[pr]))
        errors.push(`save.effortMatrix.${v}.${pr}: one of ${EFFORT_LEVELS.join(', ')} (the matrix must be total)`);
    }
  for (const l of EFFORT_LEVELS) {
    const e = sv.efforts?.[l];
    if (
      !e ||
      !(
        Number.isInteger(e.minDays) &&
        Number.isInteger(e.maxDays) &&
        e.minDays >= 0 &&
        e.maxDays >= e.minDays &&
        e.hoursPlanned >= 0
      )
    )
      errors.push(`save.efforts.${l}: 0 <= minDays <= maxDays, hoursPlanned >= 0`);
  }
  for (const [type, role] of Object.entries(sv.approval.byConcessionType ?? {})) {
    if (!oneOf(APPROVER_ROLES, role))
      errors.push(`save.approval.byConcessionType.${type}: csm, csm_manager, director or vp`);
  }
  const a = sv.approval.maxDiscountPct;
  if (!(
    a.csm >= 0 &&
    a.csm <= a.csm_manager &&
    a.csm_manager <= a.director &&
    a.director < sv.approval.executiveFromPct &&
    sv.approval.executiveFromPct <= 100
  )) {
    errors.push('save.approval: csm <= csm_manager <= director < executiveFromPct <= 100');
  }
  if (!(Number.isInteger(sv.approvalSlaHours) && sv.approvalSlaHours >= 1))
    errors.push('save.approvalSlaHours: whole hours >= 1');
  if (!(Number.isInteger(sv.continuedServiceDays) && sv.continuedServiceDays >= 0))
    errors.push('save.continuedServiceDays: whole days >= 0');
  if (!(
    Number.isInteger(sv.executiveEscalation.fromArrCents) &&
    sv.executiveEscalation.fromArrCents >= 0 &&
    Number.isInteger(sv.executiveEscalation.stepDays) &&
    sv.executiveEscalation.stepDays >= 1
  )) {
    errors.push('save.executiveEscalation: fromArrCents >= 0, stepDays >= 1');
  }
  if (!(
    sv.lostCause.hourCostCents >= 0 &&
    Number.isInteger(sv.lostCause.suggestStopFromSigns) &&
    sv.lostCause.suggestStopFromSigns >= 1
  ))
    errors.push('save.lostCause: hourCostCents >= 0, suggestStopFromSigns >= 1');
  if (!(sv.value.highFromArrCents > sv.value.mediumFromArrCents && sv.value.mediumFromArrCents > 0))
    errors.push('save.value: highFromArrCents > mediumFromArrCents > 0');
  if (!(sv.probability.highFromPoints > sv.probability.lowUpToPoints))
    errors.push('save.probability: highFromPoints > lowUpToPoints');
  const tr = sv.timeRemaining;
  if (!(
    typeof tr.emergencyLowUnlessMinor === 'boolean' &&
    typeof tr.emergencyFastFixesOnly === 'boolean' &&
    typeof tr.emergencyEscalateAtOnce === 'boolean' &&
    typeof tr.compressedCriticalIssuesOnly === 'boolean' &&
    Number.isInteger(tr.criticalFromImpact) &&
    tr.criticalFromImpact >= 1 &&
    tr.criticalFromImpact <= 5
  ))
    errors.push('save.timeRemaining: true or false for each rule, criticalFromImpact a whole impact 1-5');
  return errors;
}
