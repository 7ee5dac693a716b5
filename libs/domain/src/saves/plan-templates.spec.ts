import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import { planItemFromRequest, type PlanItemDraft, type PlanItemRequest, type PlanTemplateSave } from './plan-templates';

const now = new Date('2027-03-01T12:00:00Z');
const DAY = 86_400_000;
const inDays = (d: number) => new Date(now.getTime() + d * DAY).toISOString();

const save: PlanTemplateSave = {
  rootCause: 'service_experience',
  ownerCsmId: 'csm-1',
  csmManagerId: 'mgr-1',
  deadline: inDays(60),
};

/** A policy from before 2026-12-01.8, as a running save carries it: no templates. */
function policyBeforeTemplates(): RetainPolicy {
  const p = structuredClone<RetainPolicy>(DEFAULT_POLICY);
  delete (p.save as Partial<RetainPolicy['save']>).planTemplates;
  return p;
}

const T = DEFAULT_POLICY.save.planTemplates;
const whole: PlanItemRequest = {
  issue: 'Slow reports',
  rootCause: 'an index missing',
  fix: 'Add the index',
  ownerId: 'eng-1',
  dueAt: inDays(5),
  successMetric: 'p95 under 2 s',
};

describe('plan templates (§4.6 steps 5-7)', () => {
  it.each<[string, PlanItemRequest, PlanTemplateSave, RetainPolicy, Partial<PlanItemDraft> | string]>([
    [
      'an item named whole, without a template',
      whole,
      save,
      DEFAULT_POLICY,
      { ...whole, template: null, issueId: null },
    ],
    [
      'an item without a template missing fields',
      { issue: 'Slow reports', fix: 'Add the index' },
      save,
      DEFAULT_POLICY,
      'a plan item without a template needs rootCause, ownerId, dueAt, successMetric',
    ],
    [
      'an item without a template takes its fields as given (as an update accepted before templates replays)',
      { ...whole, successMetric: ' ' },
      save,
      DEFAULT_POLICY,
      { successMetric: ' ', template: null },
    ],
    [
      'a template fills a field the request leaves blank',
      { template: 'value_redemonstration', fix: '  ', ownerId: ' ' },
      save,
      DEFAULT_POLICY,
      { fix: T.value_redemonstration.fix, ownerId: 'csm-1' },
    ],
    [
      'relationship repair, filled from the template, owned by the CSM, due in 30 days',
      { template: 'relationship_repair' },
      save,
      DEFAULT_POLICY,
      {
        template: 'relationship_repair',
        issueId: null,
        issue: T.relationship_repair.issue,
        rootCause: 'service_experience',
        fix: T.relationship_repair.fix,
        ownerId: 'csm-1',
        dueAt: inDays(30),
        successMetric: T.relationship_repair.successMetric,
      },
    ],
    [
      'value re-demonstration, due in 14 days',
      { template: 'value_redemonstration' },
      save,
      DEFAULT_POLICY,
      { template: 'value_redemonstration', ownerId: 'csm-1', dueAt: inDays(14), fix: T.value_redemonstration.fix },
    ],
    [
      'a template due no later than the save deadline',
      { template: 'relationship_repair' },
      { ...save, deadline: inDays(10) },
      DEFAULT_POLICY,
      { dueAt: inDays(10) },
    ],
    [
      'a template whose save deadline has passed keeps its own days',
      { template: 'relationship_repair' },
      { ...save, deadline: inDays(-1) },
      DEFAULT_POLICY,
      { dueAt: inDays(30) },
    ],
    [
      'a template on a save without a deadline',
      { template: 'value_redemonstration' },
      { ...save, deadline: null },
      DEFAULT_POLICY,
      { dueAt: inDays(14) },
    ],
    [
      'a template with the request filling in some of it',
      { template: 'relationship_repair', issueId: 'issue-2', fix: 'New contact: Hana replaces Ken', dueAt: inDays(2) },
      save,
      DEFAULT_POLICY,
      {
        issueId: 'issue-2',
        issue: T.relationship_repair.issue,
        fix: 'New contact: Hana replaces Ken',
        dueAt: inDays(2),
      },
    ],
    [
      'product-team engagement with the product person named',
      { template: 'product_team', ownerId: 'pm-1' },
      save,
      DEFAULT_POLICY,
      { template: 'product_team', ownerId: 'pm-1', dueAt: inDays(14), successMetric: T.product_team.successMetric },
    ],
    [
      'product-team engagement without its product person',
      { template: 'product_team' },
      save,
      DEFAULT_POLICY,
      'the product_team template needs the product person who owns it: name the owner',
    ],
    [
      "a manager's template on an account without a CSM manager",
      { template: 'value_redemonstration' },
      { ...save, csmManagerId: null },
      resolvePolicy({ save: { planTemplates: { value_redemonstration: { ownerRole: 'csm_manager' } } } }),
      'the account has no csm_manager: name the owner',
    ],
    [
      "a manager's template goes to the account's CSM manager",
      { template: 'value_redemonstration' },
      save,
      resolvePolicy({ save: { planTemplates: { value_redemonstration: { ownerRole: 'csm_manager', dueInDays: 7 } } } }),
      { ownerId: 'mgr-1', dueAt: inDays(7) },
    ],
    [
      'an unknown template',
      { template: 'charm_offensive' as never },
      save,
      DEFAULT_POLICY,
      'no plan template charm_offensive: one of relationship_repair, value_redemonstration, product_team',
    ],
    [
      'a template under a policy before templates (a save started before 2026-12-01.8)',
      { template: 'relationship_repair' },
      save,
      policyBeforeTemplates(),
      "this save's policy has no plan templates: name the item's fields",
    ],
    [
      'an item named whole under a policy before templates',
      whole,
      save,
      policyBeforeTemplates(),
      { ...whole, template: null },
    ],
  ])('%s', (_, request, s, policy, expected) => {
    const r = planItemFromRequest(request, s, now, policy);
    if (typeof expected === 'string') expect(r).toEqual({ item: null, problem: expected });
    else {
      expect(r.problem).toBeNull();
      expect(r.item).toMatchObject(expected);
    }
  });
});
