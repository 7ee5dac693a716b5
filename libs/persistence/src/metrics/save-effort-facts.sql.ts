/**
 * The facts of a save the metrics read from `save_efforts` (docs/metrics.md, "Save
 * metrics"), as SQL expressions over the row aliased `s`. Until the read model has them
 * as columns they are read from the save's state document; this is the one module that
 * knows where each lives, so moving to the columns changes these expressions only:
 *
 *   effortHours          -> s.effort_hours
 *   outcomeResult        -> s.outcome_result
 *   outcomeKind          -> s.outcome_kind
 *   outcomeAt            -> s.outcome_at
 *   policyVersion        -> s.policy_version
 *   riskCategoryAtStart  -> s.risk_category_at_start
 *   savedArrCents        -> s.saved_arr_cents
 */

/** The JSON list at `path` of the state, or an empty list when the state has none there. */
const listAt = (s: string, key: string) =>
  `CASE WHEN jsonb_typeof(${s}.state->'${key}') = 'array' THEN ${s}.state->'${key}' ELSE '[]'::jsonb END`;

/** The sum of the numeric field `field` over the items of the state's list `key` (0 for none). */
const sumOver = (s: string, key: string, field: string) =>
  `COALESCE((SELECT sum((x->>'${field}')::numeric) FROM jsonb_array_elements(${listAt(s, key)}) x), 0)`;

export const SAVE_EFFORT_FACTS = {
  /** Hours logged: effort entries, conversations and plan items (0 where the state has none). */
  effortHours: (s = 's') =>
    `(${sumOver(s, 'effortLog', 'hours')} + ${sumOver(s, 'conversations', 'effortHours')} + ${sumOver(s, 'planItems', 'effortHours')})`,
  /** saved, lost, or null without an outcome. */
  outcomeResult: (s = 's') => `(${s}.state->'outcome'->>'result')`,
  /** The outcome's kind (full, reduced_scope, ..., lost), or null. */
  outcomeKind: (s = 's') => `(${s}.state->'outcome'->>'kind')`,
  /** When the outcome was recorded, or null. */
  outcomeAt: (s = 's') => `((${s}.state->'outcome'->>'decidedAt')::timestamptz)`,
  /** The policy version the save carries. */
  policyVersion: (s = 's') => `(${s}.state->>'policyVersion')`,
  /**
   * The save's renewal's risk category when the save started: the last classification
   * of the renewal at or before the start (null: not classified yet).
   */
  riskCategoryAtStart: (s = 's') =>
    `(SELECT h->>'category' FROM renewals rs, jsonb_array_elements(CASE WHEN jsonb_typeof(rs.classification_history) = 'array' THEN rs.classification_history ELSE '[]'::jsonb END) h
       WHERE rs.id = ${s}.renewal_id AND (h->>'at')::timestamptz <= ${s}.started_at ORDER BY (h->>'at')::timestamptz DESC LIMIT 1)`,
  /**
   * The ARR a saved outcome keeps (libs/domain save-hand-off.ts, arrAfterSave): the new
   * ARR of a reduced scope or a partner transition that names one, else the save's ARR;
   * null unless saved.
   */
  savedArrCents: (s = 's') =>
    `(CASE WHEN ${s}.state->'outcome'->>'result' = 'saved' THEN
        CASE WHEN ${s}.state->'outcome'->>'kind' IN ('reduced_scope', 'partner_transition')
               AND COALESCE((${s}.state->'outcome'->>'newArrCents')::numeric, 0) > 0
             THEN (${s}.state->'outcome'->>'newArrCents')::numeric ELSE ${s}.arr_cents END
      END)`,
} as const;
