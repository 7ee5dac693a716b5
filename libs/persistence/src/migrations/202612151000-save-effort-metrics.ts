import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the save metrics (docs/rulebook.md §4.11) read of a save, as columns of
 * `save_efforts` beside its state: the hours logged on it (docs/rulebook.md, "Effort
 * log"), its outcome, the policy it ran under, the renewal's risk category when it
 * started, and the ARR a saved outcome keeps. The save-state writer keeps them in step
 * (libs/persistence/src/saves/save-efforts.sql.ts#writeSaveEffort); existing rows are
 * filled from their state here:
 *
 * - `effort_hours`: the effort log's hours, plus each conversation's and plan item's;
 * - `saved_arr_cents`: for a saved outcome, its new ARR after a reduced scope or a
 *   transition to a partner that names one (above 0), otherwise the account's ARR
 *   (libs/domain/src/saves/save-hand-off.ts#arrAfterSave); null unless saved;
 * - `risk_category_at_start`: the renewal's latest classification at or before the
 *   save's start (its classification history); null when it had none by then. A new
 *   row takes the renewal's category as it is when the save is first written, and
 *   keeps it.
 */
export class SaveEffortMetrics1797328800000 implements MigrationInterface {
  name = 'SaveEffortMetrics1797328800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE save_efforts
        ADD COLUMN effort_hours numeric(10,2) NOT NULL DEFAULT 0 CHECK (effort_hours >= 0),
        ADD COLUMN outcome_result text NULL CHECK (outcome_result IN ('saved','lost')),
        ADD COLUMN outcome_kind text NULL,
        ADD COLUMN outcome_at timestamptz NULL,
        ADD COLUMN policy_version text NULL,
        ADD COLUMN risk_category_at_start text NULL,
        ADD COLUMN saved_arr_cents bigint NULL CHECK (saved_arr_cents >= 0)`);
    await q.query(`
      UPDATE save_efforts s SET
        effort_hours =
            COALESCE((SELECT sum((e->>'hours')::numeric) FROM jsonb_array_elements(COALESCE(s.state->'effortLog', '[]')) e), 0)
          + COALESCE((SELECT sum((c->>'effortHours')::numeric) FROM jsonb_array_elements(COALESCE(s.state->'conversations', '[]')) c), 0)
          + COALESCE((SELECT sum((i->>'effortHours')::numeric) FROM jsonb_array_elements(COALESCE(s.state->'planItems', '[]')) i), 0),
        outcome_result = s.state->'outcome'->>'result',
        outcome_kind = s.state->'outcome'->>'kind',
        outcome_at = (s.state->'outcome'->>'decidedAt')::timestamptz,
        policy_version = s.state->>'policyVersion',
        saved_arr_cents = CASE WHEN s.state->'outcome'->>'result' = 'saved' THEN
            CASE WHEN s.state->'outcome'->>'kind' IN ('reduced_scope', 'partner_transition')
                   AND COALESCE((s.state->'outcome'->>'newArrCents')::bigint, 0) > 0
                 THEN (s.state->'outcome'->>'newArrCents')::bigint
                 ELSE s.arr_cents END
          END,
        risk_category_at_start = (
          SELECT c.v->>'category' FROM renewals r, jsonb_array_elements(r.classification_history) WITH ORDINALITY c(v, n)
           WHERE r.id = s.renewal_id AND (c.v->>'at')::timestamptz <= s.started_at
           ORDER BY (c.v->>'at')::timestamptz DESC, c.n DESC LIMIT 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE save_efforts
        DROP COLUMN effort_hours,
        DROP COLUMN outcome_result,
        DROP COLUMN outcome_kind,
        DROP COLUMN outcome_at,
        DROP COLUMN policy_version,
        DROP COLUMN risk_category_at_start,
        DROP COLUMN saved_arr_cents`);
  }
}
