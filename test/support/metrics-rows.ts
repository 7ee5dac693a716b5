import type { DataSource } from 'typeorm';

/**
 * Rows of the read-model tables the metrics read (accounts, renewals, alerts, save_efforts),
 * written straight by SQL in the shapes the workflows' writers leave them: the metrics
 * integration specs build their fixed histories with these.
 */

export async function insertAccount(
  db: DataSource,
  id: string,
  a: { segment: string; csm?: string; manager?: string | null; customerSince?: string | null },
) {
  await db.query(
    `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id, customer_since)
     VALUES ($1, $1, 1000000, $2, 'UTC', $3, $4, $5)`,
    [id, a.segment, a.csm ?? 'csm-1', a.manager === undefined ? 'mgr-1' : a.manager, a.customerSince ?? null],
  );
}

export async function insertRenewal(
  db: DataSource,
  id: string,
  accountId: string,
  r: {
    startedAt?: string;
    history?: Array<{ at: string; category: string }>;
    decision?: { outcome: string; decidedAt: string };
    policyVersion?: string;
    cancelledAt?: string;
    renewalDate?: string;
  },
) {
  await db.query(
    `INSERT INTO renewals (id, account_id, renewal_date, original_renewal_date, status, phase, time_band, risk_category, arr_cents, segment,
                           owner_csm_id, policy_version, revision, started_at, updated_at, classification_history, decision, cancellation)
     SELECT $1, $2, $8::date, $8::date, 'active', 'assessment', 'comprehensive', NULL, 1000000, a.segment,
            a.owner_csm_id, $3, 1, $4, $4, $5, $6, $7
       FROM accounts a WHERE a.id = $2`,
    [
      id,
      accountId,
      r.policyVersion ?? 'v1',
      r.startedAt ?? '2025-11-01T00:00:00Z',
      JSON.stringify((r.history ?? []).map((h) => ({ ...h, reasons: [], cause: 'assessment' }))),
      r.decision
        ? JSON.stringify({ ...r.decision, newArrCents: 0, reason: 'x', signedContractRef: null, decidedBy: 'csm-1' })
        : null,
      r.cancelledAt ? JSON.stringify({ at: r.cancelledAt, by: 'ops', reason: 'x' }) : null,
      r.renewalDate ?? '2027-01-01',
    ],
  );
}

export async function insertAlert(
  db: DataSource,
  id: string,
  accountId: string,
  a: {
    ruleId: string;
    severity: string;
    triggeredAt: string;
    respondBy?: string;
    ack?: string;
    resolved?: string;
    escalationLevel?: number;
    tasksDone?: string[];
    /** The CSM it was routed to, when not the account's owner now (the account changed hands since). */
    routedTo?: string;
  },
) {
  const data = {
    id,
    accountId,
    ruleId: a.ruleId,
    severity: a.severity,
    triggeredAt: a.triggeredAt,
    respondBy: a.respondBy ?? a.triggeredAt,
    acknowledgedAt: a.ack ?? null,
    resolvedAt: a.resolved ?? null,
    tasks: [
      { id: 'open', state: 'open', completedAt: null },
      ...(a.tasksDone ?? []).map((at, i) => ({ id: `t${i}`, state: 'done', completedAt: at })),
    ],
  };
  await db.query(
    `INSERT INTO alerts (id, account_id, rule_id, alert_group, severity, state, owner_csm_id, csm_manager_id, escalation_level,
                         triggered_at, respond_by, deliver_at, data, revision)
     SELECT $1, $2, $3, 'usage', $4, $5, COALESCE($10, a.owner_csm_id), a.csm_manager_id, $6, $7, $8, $7, $9, 1 FROM accounts a WHERE a.id = $2`,
    [
      id,
      accountId,
      a.ruleId,
      a.severity,
      a.resolved ? 'resolved' : a.ack ? 'acknowledged' : 'open',
      a.escalationLevel ?? 0,
      a.triggeredAt,
      a.respondBy ?? a.triggeredAt,
      JSON.stringify(data),
      a.routedTo ?? null,
    ],
  );
}

export async function insertSave(
  db: DataSource,
  id: string,
  accountId: string,
  s: {
    renewalId: string;
    startedAt: string;
    status: string;
    arrCents?: number;
    outcome?: { result: string; kind: string; newArrCents?: number | null; decidedAt: string };
    handOffAt?: string;
    effort?: { log?: number[]; conversations?: Array<number | undefined>; planItems?: Array<number | undefined> };
    policyVersion?: string;
  },
) {
  const state = {
    saveId: id,
    policyVersion: s.policyVersion ?? 'v1',
    outcome: s.outcome
      ? { newArrCents: null, pauseDays: null, reason: null, competitor: null, decidedBy: 'x', ...s.outcome }
      : null,
    handOff: s.handOffAt ? { to: 'win_back', at: s.handOffAt } : null,
    ...(s.effort?.log ? { effortLog: s.effort.log.map((hours) => ({ hours, activity: 'customer_call' })) } : {}),
    conversations: (s.effort?.conversations ?? []).map((h) =>
      h === undefined ? { stage: 'listen' } : { stage: 'listen', effortHours: h },
    ),
    planItems: (s.effort?.planItems ?? []).map((h) => (h === undefined ? { id: 'i' } : { id: 'i', effortHours: h })),
  };
  // The columns the save-state writer keeps beside the state (effortHoursOf, arrAfterSave); the
  // category at start as the migration fills it, from the renewal's classification history.
  const effortHours =
    (s.effort?.log ?? []).reduce((a, h) => a + h, 0) +
    [...(s.effort?.conversations ?? []), ...(s.effort?.planItems ?? [])].reduce<number>((a, h) => a + (h ?? 0), 0);
  const arrCents = s.arrCents ?? 1_000_000;
  const o = s.outcome;
  const savedArr =
    o?.result !== 'saved'
      ? null
      : ['reduced_scope', 'partner_transition'].includes(o.kind) && (o.newArrCents ?? 0) > 0
        ? o.newArrCents!
        : arrCents;
  await db.query(
    `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                               arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at,
                               effort_hours, outcome_result, outcome_kind, outcome_at, policy_version, saved_arr_cents, risk_category_at_start)
     SELECT $1, $2, $3, '2027-01-01', $4, 'standard', 'medium', 'medium', 'compressed', NULL, $5, a.segment, a.owner_csm_id, a.csm_manager_id,
            0, 10, $6, 1, $7, $7, $8, $9, $10, $11, $12, $13,
            (SELECT c->>'category' FROM renewals r, jsonb_array_elements(r.classification_history) c
              WHERE r.id = $2 AND (c->>'at')::timestamptz <= $7::timestamptz ORDER BY (c->>'at')::timestamptz DESC LIMIT 1)
       FROM accounts a WHERE a.id = $3`,
    [
      id,
      s.renewalId,
      accountId,
      s.status,
      arrCents,
      JSON.stringify(state),
      s.startedAt,
      effortHours,
      o?.result ?? null,
      o?.kind ?? null,
      o?.decidedAt ?? null,
      state.policyVersion,
      savedArr,
    ],
  );
}
