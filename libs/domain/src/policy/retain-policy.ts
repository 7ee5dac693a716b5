/**
 * The one typed, versioned policy object. Every threshold, offset and window the
 * workflows apply lives in it with its default from docs/rulebook.md. A deployment may
 * override parts of it; a workflow receives the resolved policy in its input so a
 * running workflow keeps the policy it started with.
 *
 * Each section keeps its type, defaults and checks side by side in sections/ (why
 * hand-written and not a schema library: docs/decisions/0003-policy-schema.md); this
 * file composes them, versions them, applies overrides, and is what other code imports.
 */
import {
  EARLY_WARNING_DEFAULTS,
  validateEarlyWarningPolicy,
  type EarlyWarningPolicy,
} from './sections/early-warning.policy';
import { METRICS_DEFAULTS, validateMetricsPolicy, type MetricsPolicy } from './sections/metrics.policy';
import {
  NOTIFICATION_DEFAULTS,
  validateNotificationPolicy,
  type NotificationPolicy,
} from './sections/notifications.policy';
import { POST_SAVE_DEFAULTS, validatePostSavePolicy, type PostSavePolicy } from './sections/post-save.policy';
import {
  RENEWAL_DEFAULTS,
  validateLaunchWindow,
  validateRenewalPolicy,
  type RenewalPolicy,
} from './sections/renewal.policy';
import { SAVE_DEFAULTS, validateSavePolicy, type SavePolicy } from './sections/save.policy';
import { WIN_BACK_DEFAULTS, validateWinBackPolicy, type WinBackPolicy } from './sections/win-back.policy';

export type { AlertGroup, AlertSeverity } from './sections/alert-vocabulary';
export type { SeasonalSuppressionWindow } from './sections/alert-overload.policy';
export {
  MAX_PLAYBOOK_TASKS,
  PLAYBOOK_STEP_KEY_PATTERN,
  playbookStepDueHours,
  type AlertPlaybooks,
  type PlaybookStep,
} from './sections/alert-playbooks.policy';
export { ALERT_ESCALATION_ROLES } from './sections/alert-routing.policy';
export { APPROVER_ROLES } from './sections/save.policy';
export {
  FORECAST_CATEGORIES,
  METRICS_DEFAULTS,
  isQuarterHours,
  type ForecastCategory,
  type MetricsPolicy,
} from './sections/metrics.policy';
export {
  WORKFLOW_NOTIFICATION_KINDS,
  type NotificationPolicy,
  type WorkflowNotificationKind,
} from './sections/notifications.policy';
export type {
  AlertChannel,
  AlertDeliveryTiming,
  AlertEscalationRole,
  AlertRecipientRole,
} from './sections/alert-routing.policy';
export type {
  AlertRuleSettings,
  EarlyWarningPolicy,
  EarlyWarningRuleSettings,
  UsageDropSettings,
} from './sections/early-warning.policy';
export type { PostSavePolicy } from './sections/post-save.policy';
export type {
  OwnershipModel,
  OwnershipPolicy,
  RenewalPolicy,
  RenewalTaskTemplate,
  RiskClassificationPolicy,
  TaskOwnerRole,
  TaskTrigger,
} from './sections/renewal.policy';
export {
  PLAN_TEMPLATE_KEYS,
  PLAN_TEMPLATE_OWNER_ROLES,
  RISK_SEVERITIES,
  type ApproverRole,
  type ConcessionGuidanceBand,
  type EffortLevel,
  type PlanTemplate,
  type PlanTemplateKey,
  type PlanTemplateOwnerRole,
  type RiskSeverity,
  type SavePolicy,
  type Tier,
} from './sections/save.policy';
export type { WinBackPolicy } from './sections/win-back.policy';

export interface RetainPolicy {
  /** Changes whenever a default changes; recorded with every workflow that used it. */
  version: string;
  renewal: RenewalPolicy;
  save: SavePolicy;
  postSave: PostSavePolicy;
  winBack: WinBackPolicy;
  earlyWarning: EarlyWarningPolicy;
  /** How the workflows' own notifications are timed (the dispatcher reads the deployment's). */
  notifications: NotificationPolicy;
  /**
   * What the metrics are read against (docs/metrics.md). The api reads the deployment's;
   * workflows started before 2026-12-01.9 carry policies without it.
   */
  metrics: MetricsPolicy;
}

/** Each section's defaults under one version: change the version whenever any of them changes. */
const DEFAULTS: RetainPolicy = {
  version: '2026-12-01.11',
  renewal: RENEWAL_DEFAULTS,
  save: SAVE_DEFAULTS,
  postSave: POST_SAVE_DEFAULTS,
  winBack: WIN_BACK_DEFAULTS,
  earlyWarning: EARLY_WARNING_DEFAULTS,
  notifications: NOTIFICATION_DEFAULTS,
  metrics: METRICS_DEFAULTS,
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The defaults from docs/rulebook.md. Frozen: derive variants with resolvePolicy. */
export const DEFAULT_POLICY: RetainPolicy = deepFreeze(DEFAULTS);

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, override: unknown, path: string, errors: string[]): T {
  if (override === undefined) return base;
  if (Array.isArray(base)) return (conformsToList(base, override, path, errors) ? override : base) as T;
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
  if (typeof base !== typeof override || override === null) {
    errors.push(`${path}: expected a ${typeof base}`);
    return base;
  }
  return override as T;
}

/**
 * A list replaces the default list whole, so each of its items must have the shape of the
 * default's items: the same type, and for objects only keys some default item has, with
 * the keys every default item has. An empty default list takes plain values. Without this
 * an object in place of a list, or an item missing a field, would reach the section checks
 * as a shape they do not expect and fail as a TypeError rather than as a policy problem.
 */
function conformsToList(base: readonly unknown[], override: unknown, path: string, errors: string[]): boolean {
  if (!Array.isArray(override)) {
    errors.push(`${path}: expected a list`);
    return false;
  }
  const before = errors.length;
  override.forEach((item, i) => conformsToItem(base, item, `${path}.${i}`, errors));
  return errors.length === before;
}

function conformsToItem(examples: readonly unknown[], item: unknown, path: string, errors: string[]): void {
  const example = examples[0];
  if (example === undefined) {
    if (!['string', 'number', 'boolean'].includes(typeof item)) errors.push(`${path}: expected a plain value`);
    return;
  }
  if (Array.isArray(example)) {
    if (!Array.isArray(item)) errors.push(`${path}: expected a list`);
    else item.forEach((inner, i) => conformsToItem(example, inner, `${path}.${i}`, errors));
    return;
  }
  if (!isPlainObject(example)) {
    if (typeof item !== typeof example || item === null) errors.push(`${path}: expected a ${typeof example}`);
    return;
  }
  if (!isPlainObject(item)) {
    errors.push(`${path}: expected an object`);
    return;
  }
  const shapes = examples.filter(isPlainObject);
  for (const key of new Set(shapes.flatMap((shape) => Object.keys(shape)))) {
    if (!(key in item) && shapes.every((shape) => key in shape)) errors.push(`${path}.${key}: required`);
  }
  for (const [key, value] of Object.entries(item)) {
    const known = shapes.filter((shape) => key in shape).map((shape) => shape[key]);
    if (known.length === 0) errors.push(`${path}.${key}: unknown policy setting`);
    else if (known.every(Array.isArray)) conformsToList(known.flat(), value, `${path}.${key}`, errors);
    else conformsToItem(known, value, `${path}.${key}`, errors);
  }
}

/** Checks the invariants the workflows rely on; returns one message per violation. */
export function validatePolicy(policy: RetainPolicy): string[] {
  const errors = [
    ...validateRenewalPolicy(policy.renewal),
    ...validateSavePolicy(policy.save),
    ...validatePostSavePolicy(policy.postSave),
    ...validateWinBackPolicy(policy.winBack),
    // After win-back, where it has always been checked: the order of the messages is
    // part of InvalidPolicyError's text and of the api's errors[].
    ...validateLaunchWindow(policy.renewal.launchWindow),
    ...validateEarlyWarningPolicy(policy.earlyWarning),
    ...validateNotificationPolicy(policy.notifications),
    ...validateMetricsPolicy(policy.metrics),
  ];
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
  const version =
    isPlainObject(overrides) && typeof overrides.version === 'string'
      ? overrides.version
      : overridden
        ? `${base.version}+custom`
        : base.version;
  return { ...merged, version };
}
