import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@retain/persistence';
import { loadConfig } from '@retain/config';
import {
  DEFAULT_POLICY,
  accountValueTier,
  allocateSaveEffort,
  assessSaveProbability,
  layOutTasks,
  renewalOwnership,
} from '@retain/domain';
import type {
  AccountSnapshot,
  AlertNotificationRecord,
  AlertRecord,
  HealthReadingRecord,
  PostSaveMonitoringState,
  RenewalState,
  SaveState,
  WinBackState,
} from '@retain/workflows';
import { AccountRiskReadModelActivities } from '../../apps/worker/src/activities/account-risk.activities';
import { FollowUpReadModelActivities } from '../../apps/worker/src/activities/follow-up.activities';
import { RenewalReadModelActivities } from '../../apps/worker/src/activities/renewal-read-model.activities';
import { SaveEffortReadModelActivities } from '../../apps/worker/src/activities/save-effort.activities';
import type { RenewalNotification } from '../../workflows/renewal.activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { anAccountSnapshot, savableFacts, aWinBackState } from '../support/factories';

/**
 * Idempotent activities: every activity that writes runs twice with the same input, and
 * the database after the second run equals the database after the first (every table of
 * the public schema but schema_migrations, every column, compared row by row). Temporal
 * retries an activity whose result it did not record, so each write must be safe to
 * repeat.
 *
 * The table below has a case for every activity method of the worker's read-model
 * classes and for every activity the worker registers; the coverage tests fail when
 * one is added without a case. Read-only methods (loadAccountContext, readLatestHealth,
 * findOpenRenewal) are run twice too, and must change nothing at all. launchFollowUp
 * (FollowUpLauncher) writes nothing to the database: it starts a Temporal workflow,
 * idempotent by workflow id (WorkflowIdReusePolicy.REJECT_DUPLICATE + conflict policy
 * FAIL, an already-started id answers { started: false }); that is tested in
 * follow-up-activities.spec.ts with a starter that rejects a second start.
 */

// ---------------------------------------------------------------------------
// Snapshots of the whole database, and the differences between two of them.
// ---------------------------------------------------------------------------

type Row = Record<string, unknown>;
/** Table -> row key (its primary key, or the whole row for a table without one) -> row. */
type Snapshot = Map<string, Map<string, Row>>;

interface Change {
  /** `table[key]` for a row added or removed, `table[key].column` for a changed column. */
  where: string;
  before: unknown;
  after: unknown;
}

async function snapshot(db: DataSource): Promise<Snapshot> {
  const tables: Array<{ name: string }> = await db.query(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename`,
  );
  const result: Snapshot = new Map();
  for (const { name } of tables) {
    const pk: Array<{ column: string }> = await db.query(
      `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [`public.${name}`],
    );
    // to_jsonb keeps every column at full precision (timestamps to the microsecond, numerics as written).
    const rows: Array<{ row: Row; text: string }> = await db.query(
      `SELECT to_jsonb(t) AS row, to_jsonb(t)::text AS text FROM public."${name}" t ORDER BY 2`,
    );
    const keyed = new Map<string, Row>();
    for (const { row, text } of rows) {
      const key = pk.length ? JSON.stringify(pk.map((c) => row[c.column])) : text;
      keyed.set(keyed.has(key) ? `${key}#${keyed.size}` : key, row);
    }
    result.set(name, new Map([...keyed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }
  return result;
}

function changes(before: Snapshot, after: Snapshot): Change[] {
  const out: Change[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const table of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(table) ?? new Map<string, Row>();
    const a = after.get(table) ?? new Map<string, Row>();
    for (const key of [...new Set([...b.keys(), ...a.keys()])].sort()) {
      const was = b.get(key);
      const is = a.get(key);
      if (!was || !is) {
        out.push({ where: `${table}[${key}]`, before: was ?? null, after: is ?? null });
        continue;
      }
      for (const column of [...new Set([...Object.keys(was), ...Object.keys(is)])].sort()) {
        if (!same(was[column], is[column]))
          out.push({ where: `${table}[${key}].${column}`, before: was[column], after: is[column] });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Which methods are activities.
// ---------------------------------------------------------------------------

/** An instance's methods: own function-valued properties (arrow-function fields) and its class's prototype methods. */
function methodsOf(instance: object): string[] {
  const own = Object.keys(instance).filter((k) => typeof (instance as Record<string, unknown>)[k] === 'function');
  const proto = Object.getPrototypeOf(instance) as object;
  const onPrototype = Object.getOwnPropertyNames(proto).filter(
    (k) => k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, k)?.value === 'function',
  );
  return [...new Set([...own, ...onPrototype])].sort();
}

/** The activity names the worker registers (the `activities` object it hands to Worker.create), read from its source. */
function registeredActivityNames(): string[] {
  const file = join(__dirname, '../../apps/worker/src/temporal-worker.service.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  let blocks = 0;
  const visit = (node: ts.Node): void => {
    // The map is written `{ ... } satisfies WorkerActivities`: read the object inside.
    const map = ts.isPropertyAssignment(node)
      ? ts.isSatisfiesExpression(node.initializer)
        ? node.initializer.expression
        : node.initializer
      : undefined;
    if (
      ts.isPropertyAssignment(node) &&
      node.name.getText(source) === 'activities' &&
      map &&
      ts.isObjectLiteralExpression(map)
    ) {
      blocks += 1;
      for (const p of map.properties) {
        if (!p.name)
          throw new Error(`an activity registration this test cannot read (give it a name): ${p.getText(source)}`);
        names.push(p.name.getText(source));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (blocks !== 1) throw new Error(`expected one \`activities: { ... }\` object in ${file}, found ${blocks}`);
  return names.sort();
}

// ---------------------------------------------------------------------------
// The cases.
// ---------------------------------------------------------------------------

type ActivityClass =
  | 'RenewalReadModelActivities'
  | 'SaveEffortReadModelActivities'
  | 'FollowUpReadModelActivities'
  | 'AccountRiskReadModelActivities'
  | 'FollowUpLauncher'
  | 'AccountPeopleActivities'
  | 'PolicyBacktestActivities';

interface Case {
  activity: ActivityClass;
  method: string;
  /** Another input shape for the same method (the test is named `method (variant)`). */
  variant?: string;
  kind: 'write' | 'read-only' | 'covered-elsewhere';
  /** Why, for `covered-elsewhere`. */
  reason?: string;
  run?: () => Promise<unknown>;
  /** false when the case's input was already written in beforeAll, so that even the case's first call must change nothing. */
  firstCallWrites?: false;
  /** What each call must answer, when the answer matters to the workflow. */
  result?: unknown;
}

describe('idempotent activities: a second identical call changes nothing (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let renewals: RenewalReadModelActivities;
  let saves: SaveEffortReadModelActivities;
  let followUps: FollowUpReadModelActivities;
  let risk: AccountRiskReadModelActivities;

  const at = '2027-01-01T09:00:00.000Z';
  const account = (id: string, over: Partial<AccountSnapshot> = {}): AccountSnapshot =>
    anAccountSnapshot(id, {
      arrCents: 7_000_000,
      segment: 'mid_market',
      timeZone: 'Europe/Oslo',
      ownerCsmId: 'csm-i1',
      csmManagerId: 'mgr-i1',
      ...over,
    });

  // --- renewal -------------------------------------------------------------
  const renewal = (
    accountId: string,
    date: string,
    revision: number,
    over: Partial<RenewalState> = {},
  ): RenewalState => {
    const a = account(accountId);
    const now = new Date(at);
    return {
      renewalId: `renewal:${accountId}:${date}`,
      account: a,
      renewalDate: date,
      originalRenewalDate: date,
      status: 'active',
      phase: 'assessment',
      reachedPhases: ['assessment'],
      timeBand: 'comprehensive',
      nextMilestone: { phase: 'preparation', at: '2027-01-30T08:00:00.000Z' },
      health: { healthScore: 62 },
      category: 'yellow',
      classificationHistory: [
        { at, category: 'yellow', reasons: [{ kind: 'concern', text: 'health score 62: watch' }], cause: 'assessment' },
      ],
      ownership: renewalOwnership(
        { arrCents: a.arrCents, category: 'yellow', ownerCsmId: a.ownerCsmId, salesRepId: null },
        DEFAULT_POLICY,
      ),
      tasks: layOutTasks('assessment', 'yellow', { triggeredAt: now, now }, a, [], DEFAULT_POLICY),
      decision: null,
      saveRequest: null,
      exception: null,
      postRenewalStartedAt: null,
      cancellation: null,
      nextTermRenewalId: null,
      winBackId: null,
      policyVersion: DEFAULT_POLICY.version,
      startedAt: at,
      updatedAt: at,
      revision,
      audit: Array.from({ length: revision }, (_, i) => ({
        seq: i + 1,
        at,
        actor: 'workflow',
        action: `step-${i + 1}`,
        detail: { revision: i + 1 },
      })),
      appliedEventIds: [],
      ...over,
    };
  };
  /** Revision 2 of acc-i2's renewal: a task done, the next phase, two audit entries (revision 1 is written in beforeAll). */
  const renewalRevision2 = (): RenewalState => {
    const r = renewal('acc-i2', '2027-04-30', 2, {
      phase: 'preparation',
      reachedPhases: ['assessment', 'preparation'],
      updatedAt: '2027-01-05T10:00:00.000Z',
    });
    r.tasks[0]!.state = 'done';
    r.tasks[0]!.completedAt = '2027-01-05T10:00:00.000Z';
    r.tasks[0]!.completedBy = 'csm-i1';
    r.tasks[0]!.note = 'reviewed';
    return r;
  };
  const renewalNotification: RenewalNotification = {
    key: 'renewal:acc-i1:2027-03-31:task_overdue:assessment_review',
    kind: 'task_overdue',
    renewalId: 'renewal:acc-i1:2027-03-31',
    accountId: 'acc-i1',
    recipientIds: ['csm-i1'],
    managerOf: 'csm-i1',
    subject: 'Overdue: assessment review',
    detail: { taskId: 'assessment_review', daysLate: 2 },
  };

  // --- save effort ---------------------------------------------------------
  const save = (revision: number): SaveState => {
    const now = new Date(at);
    const facts = savableFacts({ alternative: 'none' });
    const probability = assessSaveProbability(facts, DEFAULT_POLICY);
    const value = accountValueTier(12_000_000, {}, DEFAULT_POLICY);
    const allocation = allocateSaveEffort(
      {
        valueTier: value.tier,
        probabilityTier: probability.tier,
        now,
        renewalAt: new Date('2027-03-31T09:00:00Z'),
        daysLeft: 89,
      },
      DEFAULT_POLICY,
    );
    const triage = {
      at,
      cause: 'start',
      probability,
      probabilityOverride: null,
      value,
      rootCause: 'service_experience' as const,
      allocation,
    };
    return {
      saveId: 'save:acc-i3:2027-03-31',
      renewalId: 'renewal:acc-i3:2027-03-31',
      account: account('acc-i3', { arrCents: 12_000_000, segment: 'enterprise' }),
      renewalDate: '2027-03-31',
      status: 'active',
      triggerReasons: ['red'],
      facts,
      strategicFlags: {},
      budgetRelated: false,
      triage,
      triageHistory: [triage],
      issues: [],
      concessions: [],
      conversations: [],
      escalation: null,
      lostCause: { signs: [], suggestStop: false },
      decisionFinal: false,
      outcome: null,
      gracefulExit: null,
      handOff: null,
      renewalLink: 'linked',
      deadlineEscalatedAt: null,
      planCompletion: {
        total: 1,
        inProgress: 1,
        blocked: 0,
        done: 0,
        verifiedByCustomer: 0,
        overdue: 1,
        completedPct: 0,
      },
      policyVersion: DEFAULT_POLICY.version,
      planItems: [
        {
          id: 'item-1',
          issueId: null,
          issue: 'slow support',
          rootCause: 'staffing',
          fix: 'named engineer',
          ownerId: 'csm-i1',
          dueAt: '2026-12-30T00:00:00.000Z',
          successMetric: 'replies < 4h',
          state: 'in_progress',
          evidence: null,
          fastFix: true,
          escalatedAt: null,
          history: [],
        },
      ],
      startedAt: at,
      updatedAt: at,
      revision,
      appliedEventIds: [],
    };
  };
  const decidedSave = (): SaveState => {
    const s = save(2);
    const chain = [
      { at, by: 'csm-i1', role: 'requester', action: 'requested' as const, note: null },
      { at, by: 'workflow', role: 'workflow', action: 'escalated' as const, note: 'SLA passed: escalated to director' },
      { at, by: 'dir-i1', role: 'director', action: 'approved' as const, note: 'year 1 only' },
    ];
    const rationale = { businessRationale: 'a', expectedOutcome: 'b', alternativesConsidered: 'c', riskFactors: 'd' };
    return {
      ...s,
      concessions: [
        {
          id: 'concession-1',
          type: 'discount',
          discountPct: 12,
          terms: null,
          rationale,
          sunset: 'year 1',
          tiedTo: '2 years',
          overrideReason: null,
          requestedBy: 'csm-i1',
          requiredRole: 'csm_manager',
          awaitingRole: 'director',
          state: 'approved',
          slaDueAt: null,
          chain,
        },
      ],
      escalation: {
        startedAt: at,
        startedBy: 'csm-i1',
        executiveId: 'vp-i1',
        brief: { history: 'h', issues: 'i', plan: 'p', objective: 'o', talkingPoints: 't', timing: 'now' },
        overrideReason: null,
        steps: [{ step: 'executive_engaged', dueAt: at, completedAt: at, by: 'vp-i1', note: null, escalatedAt: null }],
      },
    };
  };
  const saveNotification: RenewalNotification = {
    key: 'save:acc-i3:2027-03-31:plan_item_overdue:item-1',
    kind: 'plan_item_overdue',
    renewalId: 'renewal:acc-i3:2027-03-31',
    accountId: 'acc-i3',
    recipientIds: ['csm-i1'],
    managerOf: 'nobody-known',
    subject: 'Plan item overdue',
    detail: { itemId: 'item-1' },
  };

  // --- post-save monitoring and win-back -----------------------------------
  const monitoring = (revision: number): PostSaveMonitoringState => ({
    monitoringId: 'monitoring:acc-i4:2027-01-15',
    saveId: 'save:acc-i4:2027-01-15',
    renewalId: 'renewal:acc-i4:2027-01-15',
    account: account('acc-i4'),
    renewalDate: '2027-01-15',
    status: 'active',
    saved: {
      saveId: 'save:acc-i4:2027-01-15',
      triggerReasons: ['red'],
      rootCause: null,
      concessions: [],
      outcomeKind: 'full',
      saveStartedAt: null,
      savedAt: at,
    },
    startedAt: at,
    plannedMonths: 6,
    plannedEndAt: '2027-07-01T07:00:00.000Z',
    extensions: [],
    checks: [{ week: 1, at, reading: null, judgement: 'no_data', reasons: [] }],
    nextCheckAt: at,
    tasks: [],
    executiveCheckIns: 0,
    nextExecutiveCheckInAt: at,
    promises: [
      {
        id: 'promise-1',
        source: 'manual',
        sourceId: null,
        description: 'a',
        ownerId: 'csm-i1',
        dueAt: '2026-12-01T00:00:00.000Z',
        state: 'open',
        escalatedAt: null,
        history: [],
      },
      {
        id: 'promise-2',
        source: 'manual',
        sourceId: null,
        description: 'b',
        ownerId: 'csm-i1',
        dueAt: '2027-12-01T00:00:00.000Z',
        state: 'open',
        escalatedAt: null,
        history: [],
      },
    ],
    escalations: [],
    relapse: null,
    summary: null,
    endedAt: null,
    run: 1,
    checksThisRun: 1,
    policyVersion: DEFAULT_POLICY.version,
    updatedAt: at,
    revision,
    appliedEventIds: [],
  });
  const postSaveMark = {
    accountId: 'acc-i5',
    monitoringId: 'monitoring:acc-i5:2027-01-15',
    savedRenewalDate: '2027-01-15',
    result: 'stabilised' as const,
  };
  const winBack = (revision: number): WinBackState => aWinBackState(account('acc-i6'), at, revision);

  // --- account risk (early warning) ----------------------------------------
  const reading: HealthReadingRecord = {
    accountId: 'acc-i7',
    observedAt: at,
    healthScore: null,
    usageChangePct: -31.5,
    source: 'early_warning',
    eventId: 'alert:acc-i7:1',
  };
  const alert = (revision: number): AlertRecord => ({
    id: 'alert:acc-i7:1',
    accountId: 'acc-i7',
    ruleId: 'usage_drop',
    group: 'usage',
    baseSeverity: 'P2',
    severity: 'P1',
    adjustments: [{ modifier: 'renewal_proximity', shift: 1, from: 'P2', to: 'P1', reason: 'renewal in 45 days' }],
    summary: 'Active users down 31.5% over 14 days',
    measure: { value: 31.5, unit: 'percent', worseWhen: 'higher' },
    details: { baseline: 200, current: 137 },
    triggeredAt: at,
    recipients: [
      { role: 'csm', channels: ['instant_message', 'email'], timing: 'prompt', reason: 'owner', personId: 'csm-i1' },
      {
        role: 'csm_manager',
        channels: ['daily_digest'],
        timing: 'daily_digest',
        reason: 'P1 manager digest',
        personId: 'mgr-i1',
      },
    ],
    deliverAt: at,
    notificationKey: 'alert:acc-i7:1:notification',
    respondBy: '2027-01-02T09:00:00.000Z',
    state: 'open',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    escalations: [{ level: 1, role: 'csm_manager', at: '2027-01-02T09:00:00.000Z', escalatedAt: null }],
    saveRequestedFor: null,
    revision,
  });
  const alertNotification = (key: string, over: Partial<AlertNotificationRecord> = {}): AlertNotificationRecord => ({
    key,
    accountId: 'acc-i7',
    renewalId: null,
    severity: 'P1',
    recipientIds: ['csm-i1', 'mgr-i1'],
    escalateTo: null,
    subject: `P1 ${key}`,
    lines: ['P1 Active users down 31.5%'],
    alertIds: [key.replace(/:notification$/, '')],
    deliverAfter: '2027-01-01T12:00:00.000Z',
    kind: 'alert',
    timing: 'prompt',
    recipientTimings: { 'csm-i1': 'prompt', 'mgr-i1': 'daily_digest' },
    raisedAt: at,
    timeZone: 'Europe/Oslo',
    ...over,
  });
  /** Written in beforeAll, then a copy goes out (a delivery row): the workflow's retry must neither change it nor be told to open a new one. */
  const deliveredNotification = alertNotification('alert:acc-i8:1:notification', {
    accountId: 'acc-i8',
    raisedAt: '2026-12-20T09:00:00.000Z',
    deliverAfter: '2026-12-20T09:00:00.000Z',
  });

  const cases: Case[] = [
    // RenewalReadModelActivities
    {
      activity: 'RenewalReadModelActivities',
      method: 'recordRenewalState',
      kind: 'write',
      run: () => renewals.recordRenewalState(renewal('acc-i1', '2027-03-31', 1)),
    },
    {
      activity: 'RenewalReadModelActivities',
      method: 'recordRenewalState',
      variant: 'newer revision over a stored one',
      kind: 'write',
      run: () => renewals.recordRenewalState(renewalRevision2()),
    },
    {
      activity: 'RenewalReadModelActivities',
      method: 'notify',
      kind: 'write',
      run: () => renewals.notify(renewalNotification),
    },
    // SaveEffortReadModelActivities
    {
      activity: 'SaveEffortReadModelActivities',
      method: 'recordSaveState',
      kind: 'write',
      run: () => saves.recordSaveState(save(1)),
    },
    // Its concession decisions and escalations go to the audit log, each once.
    {
      activity: 'SaveEffortReadModelActivities',
      method: 'recordSaveState',
      variant: 'with a decided concession and an escalation (audit log)',
      kind: 'write',
      run: () => saves.recordSaveState(decidedSave()),
    },
    {
      activity: 'SaveEffortReadModelActivities',
      method: 'notify',
      kind: 'write',
      run: () => saves.notify(saveNotification),
    },
    // FollowUpReadModelActivities
    {
      activity: 'FollowUpReadModelActivities',
      method: 'recordMonitoringState',
      kind: 'write',
      run: () => followUps.recordMonitoringState(monitoring(1)),
    },
    {
      activity: 'FollowUpReadModelActivities',
      method: 'markPostSave',
      kind: 'write',
      run: () => followUps.markPostSave(postSaveMark),
    },
    {
      activity: 'FollowUpReadModelActivities',
      method: 'recordWinBackState',
      kind: 'write',
      run: () => followUps.recordWinBackState(winBack(1)),
    },
    {
      activity: 'FollowUpReadModelActivities',
      method: 'readLatestHealth',
      kind: 'read-only',
      run: () => followUps.readLatestHealth('acc-i7'),
    },
    {
      activity: 'FollowUpReadModelActivities',
      method: 'findOpenRenewal',
      kind: 'read-only',
      run: () => followUps.findOpenRenewal('acc-i5'),
    },
    // AccountRiskReadModelActivities
    {
      activity: 'AccountRiskReadModelActivities',
      method: 'recordHealthReading',
      kind: 'write',
      run: () => risk.recordHealthReading(reading),
    },
    {
      activity: 'AccountRiskReadModelActivities',
      method: 'recordAlert',
      kind: 'write',
      run: () => risk.recordAlert(alert(1)),
    },
    {
      activity: 'AccountRiskReadModelActivities',
      method: 'upsertAlertNotification',
      kind: 'write',
      run: () => risk.upsertAlertNotification(alertNotification('alert:acc-i7:1:notification')),
      result: true,
    },
    // Retried after the dispatcher sent a copy: still "written" (true, so the workflow does not open a new notification), and nothing changes.
    {
      activity: 'AccountRiskReadModelActivities',
      method: 'upsertAlertNotification',
      variant: 'retried after a copy went out',
      kind: 'write',
      run: () => risk.upsertAlertNotification(deliveredNotification),
      firstCallWrites: false,
      result: true,
    },
    {
      activity: 'AccountRiskReadModelActivities',
      method: 'loadAccountContext',
      kind: 'read-only',
      run: () => risk.loadAccountContext('acc-i1'),
    },
    // FollowUpLauncher
    {
      activity: 'FollowUpLauncher',
      method: 'launchFollowUp',
      kind: 'covered-elsewhere',
      reason: 'starts a Temporal workflow, no database write; idempotent by workflow id (follow-up-activities.spec.ts)',
    },
    // AccountPeopleActivities
    {
      activity: 'AccountPeopleActivities',
      method: 'propagateAccountPeople',
      kind: 'covered-elsewhere',
      reason:
        'updates renewal workflows, no database write; idempotent by update id and skips a renewal that already has the people (account-people-activities.spec.ts)',
    },
    // PolicyBacktestActivities: each retried against its own back-test row in policy-backtest-activities.spec.ts.
    {
      activity: 'PolicyBacktestActivities',
      method: 'startBacktest',
      kind: 'covered-elsewhere',
      reason:
        'marks its back-test running; a retry answers the same and leaves the row unchanged (policy-backtest-activities.spec.ts)',
    },
    {
      activity: 'PolicyBacktestActivities',
      method: 'backtestAccountsPage',
      kind: 'covered-elsewhere',
      reason: 'reads only: the same page gives the same tally as the engine (policy-backtest-activities.spec.ts)',
    },
    {
      activity: 'PolicyBacktestActivities',
      method: 'recordBacktestProgress',
      kind: 'covered-elsewhere',
      reason:
        'records a page once: a retried page with other figures changes nothing (policy-backtest-activities.spec.ts)',
    },
    {
      activity: 'PolicyBacktestActivities',
      method: 'finishBacktest',
      kind: 'covered-elsewhere',
      reason: 'a back-test that ended keeps its first end (policy-backtest-activities.spec.ts)',
    },
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: 2 });
    await db.initialize();
    renewals = new RenewalReadModelActivities(db);
    saves = new SaveEffortReadModelActivities(db, new RenewalReadModelActivities(db));
    followUps = new FollowUpReadModelActivities(db);
    risk = new AccountRiskReadModelActivities(db, loadConfig({ DATABASE_URL: database.url }));

    // People (the api's, not an activity's, to write): managers resolve escalations, time zones time alert notifications.
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, time_zone) VALUES ('mgr-i1', 'Mia', 'csm_manager', 'person', NULL)`,
    );
    await db.query(
      `INSERT INTO principals (id, display_name, role, kind, manager_id, time_zone) VALUES ('csm-i1', 'Cai', 'csm', 'person', 'mgr-i1', 'America/New_York')`,
    );

    // What the cases build on, written by the activities themselves.
    await renewals.recordRenewalState(renewal('acc-i2', '2027-04-30', 1));
    await renewals.recordRenewalState(renewal('acc-i5', '2027-01-15', 1, { phase: 'post_renewal' }));
    await renewals.recordRenewalState(renewal('acc-i5', '2028-01-15', 1));
    await risk.recordHealthReading({
      ...reading,
      eventId: 'analytics:e-0',
      source: 'analytics',
      healthScore: 71,
      usageChangePct: null,
      observedAt: '2026-12-28T00:00:00.000Z',
    });
    expect(await risk.upsertAlertNotification(deliveredNotification)).toBe(true);
    // The dispatcher (not an activity) sent a copy.
    await db.query(
      `INSERT INTO notification_deliveries (notification_key, channel, recipient, status, attempts, delivered_at) VALUES ($1, 'email', 'cai@example.test', 'delivered', 1, $2)`,
      [deliveredNotification.key, '2026-12-20T09:00:01.000Z'],
    );
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const name = (c: Case) => (c.variant ? `${c.method} (${c.variant})` : c.method);

  describe.each([
    'RenewalReadModelActivities',
    'SaveEffortReadModelActivities',
    'FollowUpReadModelActivities',
    'AccountRiskReadModelActivities',
  ] as const)('%s', (activity) => {
    for (const c of cases.filter((x) => x.activity === activity && x.kind === 'write')) {
      it(`${name(c)}: a second identical call leaves every table as the first left it`, async () => {
        const before = await snapshot(db);
        const firstResult = await c.run!();
        const afterFirst = await snapshot(db);
        if (c.firstCallWrites === false) expect(changes(before, afterFirst)).toEqual([]);
        // Otherwise the first call must write something, or the case proves nothing.
        else expect(changes(before, afterFirst).length).toBeGreaterThan(0);

        const secondResult = await c.run!();
        const afterSecond = await snapshot(db);
        expect(secondResult).toEqual(firstResult);
        if ('result' in c) expect(firstResult).toEqual(c.result);

        // upsertAccount once moved accounts.updated_at on every call; it now writes only a changed account.
        expect(changes(afterFirst, afterSecond)).toEqual([]);
      });
    }

    for (const c of cases.filter((x) => x.activity === activity && x.kind === 'read-only')) {
      it(`${name(c)}: reads only (twice, same answer, no table changed)`, async () => {
        const before = await snapshot(db);
        const first = await c.run!();
        const second = await c.run!();
        expect(second).toEqual(first);
        expect(first).not.toBeNull();
        expect(changes(before, await snapshot(db))).toEqual([]);
      });
    }
  });

  describe('coverage: no activity without a case', () => {
    it('every method of the read-model activity classes has a case, and every case names a real method', () => {
      const instances: Record<
        Exclude<ActivityClass, 'FollowUpLauncher' | 'AccountPeopleActivities' | 'PolicyBacktestActivities'>,
        object
      > = {
        RenewalReadModelActivities: renewals,
        SaveEffortReadModelActivities: saves,
        FollowUpReadModelActivities: followUps,
        AccountRiskReadModelActivities: risk,
      };
      for (const [activity, instance] of Object.entries(instances)) {
        const methods = methodsOf(instance);
        const covered = [...new Set(cases.filter((c) => c.activity === activity).map((c) => c.method))].sort();
        expect({ activity, methods }).toEqual({ activity, methods: covered });
      }
    });

    it('every activity the worker registers has a case', () => {
      const registered = registeredActivityNames();
      expect(registered.length).toBeGreaterThan(0);
      const covered = new Set(cases.map((c) => c.method));
      expect(registered.filter((n) => !covered.has(n))).toEqual([]);
      // And nothing in the table is a stale name the worker no longer runs.
      expect([...covered].filter((n) => !registered.includes(n))).toEqual([]);
    });

    it('lists what is not run here, and why', () => {
      expect(
        cases.filter((c) => c.kind === 'covered-elsewhere').map((c) => ({ method: c.method, reason: c.reason })),
      ).toEqual([
        { method: 'launchFollowUp', reason: expect.stringContaining('follow-up-activities.spec.ts') },
        { method: 'propagateAccountPeople', reason: expect.stringContaining('account-people-activities.spec.ts') },
        ...['startBacktest', 'backtestAccountsPage', 'recordBacktestProgress', 'finishBacktest'].map((method) => ({
          method,
          reason: expect.stringContaining('policy-backtest-activities.spec.ts'),
        })),
      ]);
      expect(cases.filter((c) => c.kind !== 'covered-elsewhere' && !c.run)).toEqual([]);
    });
  });
});
