/**
 * The facts of a save the metrics read from `save_efforts` (docs/metrics.md, "Save
 * metrics"), as SQL expressions over the row aliased `s`: the read model's columns,
 * kept by writeSaveEffort from the save's state (libs/persistence/src/saves/save-efforts.sql.ts).
 */

export const SAVE_EFFORT_FACTS = {
  /** Hours logged: effort entries, conversations and plan items (effortHoursOf). */
  effortHours: (s = 's') => `${s}.effort_hours`,
  /** saved, lost, or null without an outcome. */
  outcomeResult: (s = 's') => `${s}.outcome_result`,
  /** The outcome's kind (full, reduced_scope, ..., lost), or null. */
  outcomeKind: (s = 's') => `${s}.outcome_kind`,
  /** When the outcome was recorded, or null. */
  outcomeAt: (s = 's') => `${s}.outcome_at`,
  /** The policy version the save carries. */
  policyVersion: (s = 's') => `${s}.policy_version`,
  /** The save's renewal's risk category when the save started (its latest classification by then; null: none). */
  riskCategoryAtStart: (s = 's') => `${s}.risk_category_at_start`,
  /** The ARR a saved outcome keeps (arrAfterSave); null unless saved. */
  savedArrCents: (s = 's') => `${s}.saved_arr_cents`,
} as const;
