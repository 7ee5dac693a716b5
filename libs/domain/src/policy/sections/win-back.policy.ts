/**
 * Policy section `winBack`: touchpoints after a churn (docs/rulebook.md §4.9). Type,
 * defaults and checks side by side; retain-policy.ts composes the sections.
 */

/** Win-back (docs/rulebook.md §4.9): touchpoints after a churn. */
export interface WinBackPolicy {
  /** Months after the churn, each with its kind of touchpoint. */
  touchpoints: Array<{ afterMonths: number; kind: 'check_in' | 'relevant_updates' | 'formal_conversation' }>;
  /** Days the owner has for each touchpoint task. */
  taskDueDays: number;
  /** After the last touchpoint, days to record an outcome before it ends as no response. */
  finalResponseDays: number;
}

export const WIN_BACK_DEFAULTS: WinBackPolicy = {
  touchpoints: [
    { afterMonths: 3, kind: 'check_in' },
    { afterMonths: 6, kind: 'relevant_updates' },
    { afterMonths: 12, kind: 'formal_conversation' },
  ],
  taskDueDays: 14,
  finalResponseDays: 30,
};

/** Checks the winBack section; one message per violation. */
export function validateWinBackPolicy(wb: WinBackPolicy): string[] {
  const errors: string[] = [];
  const months = (wb.touchpoints ?? []).map((tp) => tp.afterMonths);
  if (!months.length || months.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= months[i - 1]!)))
    errors.push('winBack.touchpoints: whole months >= 1, increasing');
  if (!(
    Number.isInteger(wb.taskDueDays) &&
    wb.taskDueDays >= 1 &&
    Number.isInteger(wb.finalResponseDays) &&
    wb.finalResponseDays >= 0
  ))
    errors.push('winBack: taskDueDays >= 1, finalResponseDays >= 0');
  return errors;
}
