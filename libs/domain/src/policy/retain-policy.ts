/**
 * The one typed, versioned policy object. Every threshold, offset and window the
 * workflows apply lives here with its default from docs/domain.md. A deployment may
 * override parts of it; a workflow receives the resolved policy in its input so a
 * running workflow keeps the policy it started with.
 */
export interface RenewalPolicy {
  /** Days before the renewal date at which each phase starts (domain.md §2). */
  milestoneOffsetsDays: {
    assessment: number;
    preparation: number;
    engagement: number;
    closing: number;
    renewalDay: number;
  };
  /** Local hour (account time zone) at which milestone actions fire. */
  actionLocalHour: number;
  /** Time-band thresholds (domain.md §2, §4.5): >= comprehensive, >= compressed, else emergency. */
  timeBands: { comprehensiveMinDays: number; compressedMinDays: number };
  /** Risk classification thresholds (domain.md §1, §3). */
  classification: RiskClassificationPolicy;
  /** Who owns a renewal (domain.md §2 ownership models). */
  ownership: OwnershipPolicy;
}

export interface RiskClassificationPolicy {
  /** A health score below this is a warning (domain.md §1: below 50). */
  healthScoreWarningBelow: number;
  /** Portfolio percentile below which health is a warning (bottom quartile: 25). */
  healthPercentileWarningBelow: number;
  /** Usage down by at least this share (percent) is a risk signal (§2: a 40% drop). */
  usageDropRiskPct: number;
  /** Usage down by at least this share is a concern that makes a renewal yellow. */
  usageDropConcernPct: number;
  /** A health score below this (but not a warning) is a concern (mixed signals). */
  healthScoreConcernBelow: number;
  /** This many risk-signal families together make a renewal red ("several together are real risk"). */
  redMinSignalFamilies: number;
}

export type OwnershipModel = 'cs_led' | 'sales_led' | 'hybrid';

export interface OwnershipPolicy {
  model: OwnershipModel;
  /** Hybrid: sales joins renewals with ARR at or above this (US cents; $100K by default)... */
  hybridSalesJoinsFromArrCents: number;
  /** ...or any renewal in one of these risk categories. */
  hybridSalesJoinsCategories: Array<'green' | 'yellow' | 'red' | 'expansion'>;
}

export interface RetainPolicy {
  /** Changes whenever a default changes; recorded with every workflow that used it. */
  version: string;
  renewal: RenewalPolicy;
}

const DEFAULTS: RetainPolicy = {
  version: '2026-11-22.2',
  renewal: {
    milestoneOffsetsDays: { assessment: 90, preparation: 60, engagement: 30, closing: 14, renewalDay: 0 },
    actionLocalHour: 9,
    timeBands: { comprehensiveMinDays: 90, compressedMinDays: 30 },
    classification: {
      healthScoreWarningBelow: 50,
      healthPercentileWarningBelow: 25,
      usageDropRiskPct: 40,
      usageDropConcernPct: 15,
      healthScoreConcernBelow: 70,
      redMinSignalFamilies: 2,
    },
    ownership: { model: 'hybrid', hybridSalesJoinsFromArrCents: 10_000_000, hybridSalesJoinsCategories: ['red'] },
  },
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The defaults from docs/domain.md. Frozen: derive variants with resolvePolicy. */
export const DEFAULT_POLICY: RetainPolicy = deepFreeze(DEFAULTS);

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, override: unknown, path: string, errors: string[]): T {
  if (override === undefined) return base;
  if (isPlainObject(base)) {
    if (!isPlainObject(override)) {
      errors.push(`${path}: expected an object`);
      return base;
    }
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      if (!(key in base)) {
        errors.push(`${path}.${key}: unknown policy setting`);
        continue;
      }
      out[key] = merge((base as Record<string, unknown>)[key], value, `${path}.${key}`, errors);
    }
    return out as T;
  }
  if (typeof base !== typeof override) {
    errors.push(`${path}: expected a ${typeof base}`);
    return base;
  }
  return override as T;
}

/** Checks the invariants the workflows rely on; returns one message per violation. */
export function validatePolicy(policy: RetainPolicy): string[] {
  const errors: string[] = [];
  const o = policy.renewal.milestoneOffsetsDays;
  const order = [o.assessment, o.preparation, o.engagement, o.closing, o.renewalDay];
  if (order.some((n) => !Number.isInteger(n) || n < 0)) errors.push('renewal.milestoneOffsetsDays: whole days >= 0');
  for (let i = 1; i < order.length; i++) {
    if (order[i]! >= order[i - 1]!) errors.push('renewal.milestoneOffsetsDays: each milestone must come after the previous one');
  }
  const h = policy.renewal.actionLocalHour;
  if (!Number.isInteger(h) || h < 0 || h > 23) errors.push('renewal.actionLocalHour: an hour 0-23');
  const b = policy.renewal.timeBands;
  if (!(b.comprehensiveMinDays > b.compressedMinDays && b.compressedMinDays > 0)) {
    errors.push('renewal.timeBands: comprehensiveMinDays > compressedMinDays > 0');
  }
  const c = policy.renewal.classification;
  const pct = (n: number) => Number.isFinite(n) && n >= 0 && n <= 100;
  if (![c.healthScoreWarningBelow, c.healthPercentileWarningBelow, c.usageDropRiskPct, c.usageDropConcernPct, c.healthScoreConcernBelow].every(pct)) {
    errors.push('renewal.classification: thresholds are numbers 0-100');
  }
  if (c.healthScoreConcernBelow < c.healthScoreWarningBelow) errors.push('renewal.classification: healthScoreConcernBelow >= healthScoreWarningBelow');
  if (c.usageDropConcernPct > c.usageDropRiskPct) errors.push('renewal.classification: usageDropConcernPct <= usageDropRiskPct');
  if (!Number.isInteger(c.redMinSignalFamilies) || c.redMinSignalFamilies < 1) errors.push('renewal.classification.redMinSignalFamilies: a whole number >= 1');
  const own = policy.renewal.ownership;
  if (!['cs_led', 'sales_led', 'hybrid'].includes(own.model)) errors.push('renewal.ownership.model: cs_led, sales_led or hybrid');
  if (!Number.isInteger(own.hybridSalesJoinsFromArrCents) || own.hybridSalesJoinsFromArrCents < 0) errors.push('renewal.ownership.hybridSalesJoinsFromArrCents: whole cents >= 0');
  if (!Array.isArray(own.hybridSalesJoinsCategories) || own.hybridSalesJoinsCategories.some((k) => !['green', 'yellow', 'red', 'expansion'].includes(k))) {
    errors.push('renewal.ownership.hybridSalesJoinsCategories: a list of green, yellow, red, expansion');
  }
  if (typeof policy.version !== 'string' || policy.version.length === 0) errors.push('version: a non-empty string');
  return errors;
}

export class InvalidPolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid policy: ${problems.join('; ')}`);
  }
}

/**
 * Applies overrides to a base policy and validates the result. An overridden policy
 * gets a version that names both, so history shows which rules a workflow ran under.
 */
export function resolvePolicy(overrides: unknown, base: RetainPolicy = DEFAULT_POLICY): RetainPolicy {
  const errors: string[] = [];
  const merged = merge(base, overrides, 'policy', errors);
  if (errors.length) throw new InvalidPolicyError(errors);
  const problems = validatePolicy(merged);
  if (problems.length) throw new InvalidPolicyError(problems);
  const overridden = isPlainObject(overrides) && Object.keys(overrides).some((k) => k !== 'version');
  const version = isPlainObject(overrides) && typeof overrides.version === 'string' ? overrides.version : overridden ? `${base.version}+custom` : base.version;
  return { ...merged, version };
}
