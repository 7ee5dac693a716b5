import type { PlanItemDraft } from './domain';
import type { PlanItem } from './save-effort.definitions';

/**
 * A plan item as the save takes it in (docs/rulebook.md §4.6): the checked draft, in
 * progress, its first history entry by `by` at `at`, the hours logged with it if any.
 * Pure, so the demo book (apps/api/src/cli/demo) adds items exactly as the workflow does.
 */
export function newPlanItem(d: PlanItemDraft, id: string, by: string, at: string, effortHours?: number): PlanItem {
  return {
    id,
    issueId: d.issueId,
    issue: d.issue,
    rootCause: d.rootCause,
    fix: d.fix,
    ownerId: d.ownerId,
    dueAt: new Date(d.dueAt).toISOString(),
    successMetric: d.successMetric,
    state: 'in_progress',
    evidence: null,
    fastFix: false,
    template: d.template,
    escalatedAt: null,
    history: [{ at, by, state: 'in_progress', note: d.template ? `template ${d.template}` : null }],
    ...(effortHours !== undefined ? { effortHours } : {}),
  };
}
