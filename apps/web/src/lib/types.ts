/** The shapes of the REST API's answers the pages read (the OpenAPI document at /docs-json names them). */

export interface FieldError {
  field: string;
  message: string;
}
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  errors?: FieldError[];
}

export type Role = 'csm' | 'csm_manager' | 'director' | 'vp' | 'sales_rep' | 'product' | 'cs_ops' | 'integration';
export type ApproverRole = 'csm' | 'csm_manager' | 'director' | 'vp';

/** GET /me: the caller, what his role may do (the access table) and approve (the approval matrix). */
export interface Me {
  id: string;
  displayName: string;
  role: Role;
  kind?: 'person' | 'integration';
  managerId: string | null;
  managementChain?: string[];
  reports?: string[];
  /** `resource.action` of the access table the role may do, and over what. */
  can?: Array<{ capability: string; reach: 'all' | 'related' | 'item' }>;
  approvals?: { concessionTypes: string[]; maxDiscountPct: number | null } | null;
  policyVersion?: string;
}

/** GET /me/tasks: one dated item of my work. */
export interface DueItem {
  kind: string;
  title: string;
  dueAt: string;
  overdue: boolean;
  objectType: 'renewal' | 'save' | 'monitoring' | 'win_back';
  objectId: string;
  itemId: string;
  accountId: string;
  accountName: string;
  ownerId: string;
  link: string;
}

/** GET /me/approvals: a concession waiting for my decision. */
export interface PendingApproval {
  saveId: string;
  concessionId: string;
  accountId: string;
  accountName: string;
  kind: string;
  discountPct: number | null;
  amountCents: number | null;
  terms: string | null;
  requiredRole: string;
  awaitingRole: string;
  slaDueAt: string | null;
  requestedBy: string;
  requestedAt: string | null;
  link: string;
}

/** GET /renewals/timeline: a renewal with its milestones and tasks. */
export interface TimelineRenewal extends Renewal {
  timeZone: string;
  milestones: Array<{ phase: string; label: string; daysBefore: number; date: string; at: string; done: boolean }>;
  tasks: Array<{ id: string; title: string; ownerId: string | null; state: string; dueAt: string; overdue: boolean }>;
}

/** GET /notifications: one of mine. */
export interface Notification {
  id: string;
  kind: string;
  accountId: string;
  renewalId: string | null;
  severity: Severity | null;
  subject: string;
  lines: string[];
  alertIds: string[];
  createdAt: string;
  readAt: string | null;
}
export interface NotificationPage extends Page<Notification> {
  unread: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type SaveStatus = 'active' | 'saved' | 'lost' | 'exited';
export type EffortLevel = 'full' | 'standard' | 'light' | 'none';
export type Tier = 'high' | 'medium' | 'low';

export interface SaveSummary {
  id: string;
  renewalId: string;
  accountId: string;
  accountName: string;
  renewalDate: string;
  status: SaveStatus;
  effortLevel: EffortLevel;
  probabilityTier: Tier;
  valueTier: Tier;
  timeBand: 'comprehensive' | 'compressed' | 'emergency';
  deadline: string | null;
  arrCents: number;
  ownerCsmId: string;
  csmManagerId: string | null;
  overdueItems: number;
  expectedValueHours: number;
}

export interface Issue {
  id: string;
  description: string;
  source: string;
  frequency: number;
  dealBreaker: boolean;
  fixable: boolean;
  quickFix: boolean;
  impact: number;
  recordedBy: string;
  recordedAt: string;
}
export type PlanItemState = 'in_progress' | 'done' | 'verified_by_customer' | 'blocked';
export interface PlanItem {
  id: string;
  issueId: string | null;
  issue: string;
  rootCause: string;
  fix: string;
  ownerId: string;
  dueAt: string;
  successMetric: string;
  state: PlanItemState;
  evidence: string | null;
  fastFix: boolean;
  history: Array<{ at?: string; by?: string; from?: string; to?: string; state?: string; note?: string | null }>;
}
export interface ApprovalStep {
  at: string;
  by: string;
  role: string;
  action: 'requested' | 'escalated' | 'approved' | 'rejected';
  note: string | null;
}
export interface Concession {
  id: string;
  type: string;
  discountPct: number | null;
  terms: string | null;
  rationale: Record<string, string>;
  sunset: string;
  tiedTo: string;
  overrideReason: string | null;
  requestedBy: string;
  requiredRole: ApproverRole;
  awaitingRole: ApproverRole;
  state: 'pending' | 'approved' | 'rejected';
  slaDueAt: string | null;
  chain: ApprovalStep[];
}
export interface Conversation {
  at: string;
  by: string;
  stage: string;
  result: string;
  refused: boolean;
}
export interface SaveOutcome {
  result: 'saved' | 'lost';
  kind: string;
  newArrCents: number | null;
  reason: string | null;
  competitor: string | null;
  decidedBy: string;
  decidedAt: string;
}
export interface SaveState {
  saveId: string;
  renewalId: string;
  account: {
    id: string;
    name: string;
    arrCents: number;
    segment: string;
    ownerCsmId: string;
    csmManagerId: string | null;
    salesRepId?: string | null;
  };
  renewalDate: string;
  status: SaveStatus;
  triggerReasons: string[];
  /** The §4.1 facts the triage scored, and the strategic flags (docs/rulebook.md, "Save triage"). */
  facts: Record<string, string>;
  strategicFlags: Partial<Record<'logo' | 'reference' | 'caseStudy' | 'growthPotential', boolean>>;
  triage: {
    at: string;
    cause: string;
    rootCause: string;
    probability: { tier: Tier; points: number; reasons: string[] };
    probabilityOverride: { tier: Tier; reason: string; by: string } | null;
    value: { tier: Tier; reasons: string[] };
    allocation: {
      effort: EffortLevel;
      valueTier: Tier;
      probabilityTier: Tier;
      timeBand: string;
      people: string[];
      hoursPlanned: number;
      deadline: string | null;
    };
  };
  issues: Issue[];
  planItems: PlanItem[];
  concessions: Concession[];
  conversations: Conversation[];
  effortHours: number;
  escalation: {
    startedAt: string;
    startedBy: string;
    executiveId: string | null;
    overrideReason: string | null;
    steps: EscalationStep[];
  } | null;
  outcome: SaveOutcome | null;
  updatedAt: string;
  revision: number;
}
export interface Debrief {
  saveId: string;
  open: boolean;
  answers: Record<string, unknown>;
  updatedBy: string | null;
  updatedAt: string | null;
}

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
export interface Alert {
  id: string;
  accountId: string;
  ruleId: string;
  group: string;
  severity: Severity;
  summary: string;
  triggeredAt: string;
  respondBy: string;
  state: 'open' | 'acknowledged' | 'resolved';
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
}

export type RiskCategory = 'green' | 'yellow' | 'red' | 'expansion';
export interface Renewal {
  id: string;
  accountId: string;
  accountName?: string;
  renewalDate: string;
  status: string;
  phase?: string;
  timeBand?: string;
  riskCategory?: RiskCategory;
  arrCents?: number;
  segment?: string;
  ownerCsmId?: string;
  nextMilestone?: { phase: string; at: string };
  startedAt?: string;
}
export interface RenewalTask {
  id: string;
  key: string;
  title: string;
  ownerRole: string;
  ownerId: string | null;
  state: 'open' | 'done' | 'cancelled';
  dueAt: string;
  late: boolean;
  overdue: boolean;
  completedAt: string | null;
  completedBy: string | null;
}
export interface RenewalDetail extends Renewal {
  classificationHistory: Array<{
    at: string;
    category: RiskCategory;
    reasons: Array<{ kind: string; family?: string; text: string }>;
    cause: string;
  }>;
  ownership: Record<string, unknown> | null;
  saveRequest: { saveId?: string; [k: string]: unknown } | null;
  decision: Record<string, unknown> | null;
  tasks: RenewalTask[];
}

export interface AccountRisk {
  accountId: string;
  signals: Record<string, unknown> | null;
  suppressions: Array<{ id: string; from: string; to: string; reason: string; groups?: string[] }>;
  openAlerts: Array<{ id: string; severity?: string; summary?: string; ruleId?: string }>;
  healthTrend: Array<{ at?: string; score?: number; [k: string]: unknown }>;
  activeRenewals: Array<{ id: string; [k: string]: unknown }>;
  activeSave: { id?: string; saveId?: string; [k: string]: unknown } | null;
}

export interface Figure {
  value: number | null;
  numerator: number;
  denominator: number;
}
export interface SaveMetrics {
  total: { saves: Figure; successRate: Figure };
}
export interface RenewalMetrics {
  total: {
    grr: Figure;
    nrr: Figure;
    forecast: {
      categories: Array<{
        category: string;
        renewals: number;
        arrCents: number;
        expectedArrCents: number;
        probability: number;
      }>;
    };
  };
}
export interface AlertMetrics {
  groups: Array<{ key: Record<string, string>; alerts: Figure; precision: Figure }>;
}
/** A back-test as GET /policy/backtests lists it (BacktestSummaryView); GET /policy/backtests/{id} adds its report. */
export interface BacktestSummary {
  id: string;
  status: string;
  requestedBy: string;
  requestedAt: string;
  period: { from: string; to: string };
  currentPolicyVersion: string;
  candidates: Array<{ label: string; version: string }>;
  sweep: Record<string, unknown> | null;
  progress: { accountsDone: number; accountsTotal: number | null; eventsRead: number; pagesDone: number };
  error: string | null;
  updatedAt: string;
}
export interface BacktestPageView {
  items: BacktestSummary[];
  nextCursor: string | null;
}

export interface EscalationStep {
  step: string;
  dueAt: string;
  completedAt: string | null;
  by: string | null;
  note: string | null;
  escalatedAt: string | null;
}
