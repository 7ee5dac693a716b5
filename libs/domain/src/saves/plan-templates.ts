import {
  PLAN_TEMPLATE_KEYS,
  type PlanTemplate,
  type PlanTemplateKey,
  type RetainPolicy,
} from '../policy/retain-policy';

/**
 * Plan items from the templates of §4.6 steps 5 to 7 (docs/rulebook.md, "Plan
 * templates"): relationship repair, value re-demonstration and product-team engagement.
 * A template fills what the request leaves out (issue, fix, success metric, owner, due
 * date, and the save's root cause); a request without one names everything itself. A
 * policy without templates (a save started before policy 2026-12-01.8) has none.
 */

/** A plan item as requested: with a template any field may be left out, without one none may. */
export interface PlanItemRequest {
  template?: PlanTemplateKey;
  issueId?: string;
  issue?: string;
  rootCause?: string;
  fix?: string;
  ownerId?: string;
  dueAt?: string;
  successMetric?: string;
}

/** A plan item with every field filled in, before the plan's own checks (due in the future, time band). */
export interface PlanItemDraft {
  template: PlanTemplateKey | null;
  issueId: string | null;
  issue: string;
  rootCause: string;
  fix: string;
  ownerId: string;
  dueAt: string;
  successMetric: string;
}

/** What the save gives a template: its root cause, the account's people and the save's deadline. */
export interface PlanTemplateSave {
  rootCause: string;
  ownerCsmId: string;
  csmManagerId: string | null;
  deadline: string | null;
}

export type PlanItemResolution = { item: PlanItemDraft; problem: null } | { item: null; problem: string };

const REQUIRED = ['issue', 'rootCause', 'fix', 'ownerId', 'dueAt', 'successMetric'] as const;
const DAY = 86_400_000;

function templates(policy: RetainPolicy): Record<PlanTemplateKey, PlanTemplate> | null {
  return (policy.save as { planTemplates?: Record<PlanTemplateKey, PlanTemplate> }).planTemplates ?? null;
}

/**
 * A field of the request, or the template's when the request leaves it out or blank.
 * Without a template a field is taken as given, as before templates existed (an update
 * already accepted must apply the same way when its history replays).
 */
const orTemplate = (v: string | undefined, fallback: string | undefined): string | undefined =>
  fallback !== undefined && !v?.trim() ? fallback : v;

/**
 * The owner of a template's item when the request names none: the account's CSM, his
 * manager, or (for a product person, whom only the request can name) nobody.
 */
function templateOwner(t: PlanTemplate, save: PlanTemplateSave): string | null {
  if (t.ownerRole === 'csm') return save.ownerCsmId;
  if (t.ownerRole === 'csm_manager') return save.csmManagerId;
  return null;
}

/**
 * A template's due date: its days from `now`, cut to the save's deadline when that is
 * sooner (and still ahead).
 */
function templateDue(t: PlanTemplate, save: PlanTemplateSave, now: Date): string {
  const due = now.getTime() + t.dueInDays * DAY;
  const deadline = save.deadline === null ? NaN : Date.parse(save.deadline);
  return new Date(deadline > now.getTime() && deadline < due ? deadline : due).toISOString();
}

/** The plan item a request asks for, filled from its template; or the problem with the request. */
export function planItemFromRequest(
  request: PlanItemRequest,
  save: PlanTemplateSave,
  now: Date,
  policy: RetainPolicy,
): PlanItemResolution {
  const fail = (problem: string): PlanItemResolution => ({ item: null, problem });
  const base = {
    template: request.template ?? null,
    issueId: request.issueId ?? null,
    issue: request.issue,
    rootCause: request.rootCause,
    fix: request.fix,
    ownerId: request.ownerId,
    dueAt: request.dueAt,
    successMetric: request.successMetric,
  };
  if (request.template !== undefined) {
    if (!(PLAN_TEMPLATE_KEYS as readonly string[]).includes(request.template))
      return fail(`no plan template ${String(request.template)}: one of ${PLAN_TEMPLATE_KEYS.join(', ')}`);
    const t = templates(policy)?.[request.template];
    if (!t) return fail("this save's policy has no plan templates: name the item's fields");
    const ownerId = request.ownerId?.trim() ? request.ownerId : templateOwner(t, save);
    if (!ownerId)
      return fail(
        t.ownerRole === 'product'
          ? `the ${request.template} template needs the product person who owns it: name the owner`
          : `the account has no ${t.ownerRole}: name the owner`,
      );
    base.issue = orTemplate(request.issue, t.issue);
    base.rootCause = orTemplate(request.rootCause, save.rootCause);
    base.fix = orTemplate(request.fix, t.fix);
    base.successMetric = orTemplate(request.successMetric, t.successMetric);
    base.ownerId = ownerId;
    base.dueAt = orTemplate(request.dueAt, templateDue(t, save, now));
  }
  const missing = REQUIRED.filter((k) => base[k] === undefined);
  if (missing.length) return fail(`a plan item without a template needs ${missing.join(', ')}`);
  return { item: base as PlanItemDraft, problem: null };
}
