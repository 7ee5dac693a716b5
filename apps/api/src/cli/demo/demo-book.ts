/**
 * The demo book (`npm run demo`): a seeded, realistic year of history for a chosen
 * number of accounts, as plain typed rows, so the metrics, the forecast and the views
 * have something to show on a fresh database.
 *
 * - An org chart: a VP, a director, 2-4 CSM managers with their CSMs, sales reps, a
 *   product person, CS ops, and the integration the events come from.
 * - Accounts in three segments with their ARR ranges, each with a story for its year
 *   (healthy, growing, watched, recovering, at risk, turning red, or signed this year).
 * - For each account the year as Retain would have lived it (demo-account-year.ts):
 *   monthly health scores and the signals of its story as integration events, the
 *   alerts they raise, its renewal of the year run through its timeline to a decision
 *   and its close, the save a red renewal or a near-renewal alert starts, with its
 *   effort and outcome. Closed history only: nothing in it needs a running workflow.
 * - The next term of every account that stays, for the forecast: launched later as a
 *   real renewal workflow, with the health events that classify it (`upcoming`).
 * - Every account's weekly product usage (active users) and known ground truth for the
 *   policy lab: churners whose usage decays before their churn at the rates asked for,
 *   everyone else within noise (demo-usage.ts); with the year's other events they are the
 *   recorded history (`inbound_events`) a back-test replays.
 *
 * Pure and deterministic: the same options (seed, number of accounts, `now`, policy)
 * give the same book, row for row. No clock, no I/O.
 */
import {
  addDays,
  addMonths,
  localDateAt,
  renewalMilestones,
  type AccountContact,
  type IntegrationEventType,
  type LifecycleStage,
  type RenewalHealthInputs,
  type RetainPolicy,
  type RiskCategory,
  type Role,
  type Segment,
  type Vertical,
} from '@retain/domain';
import type { AssertedAccountFacts, HealthObservation } from '@retain/persistence';
import type { AccountSnapshot, AlertRecord, RenewalState, SaveState } from '@retain/workflows';
import { DEMO_SOURCE, retainEventId, type DemoEvent } from './demo-alerts';
import { nextTermOf, runAccountYear, type AccountPeople, type TermInput } from './demo-account-year';
import {
  ACCOUNT_TIME_ZONES,
  CHAMPION_TITLES,
  COMPANY_FORMS,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  COMPETITORS,
  FIRST_NAMES,
  LAST_NAMES,
  SPONSOR_TITLES,
  SURVEY_COMPLAINTS,
} from './demo-names';
import { Rng } from './demo-random';
import {
  DEFAULT_CHURN_USAGE_DROPS,
  plantedDropPct,
  usageBands,
  usageEvents,
  usagePlan,
  usageSeries,
  type ChurnUsageDrop,
  type UsageBand,
  type UsagePlan,
  type UsageSeries,
} from './demo-usage';

export { DEMO_SOURCE, HISTORY_ALERT_SEQ_FROM } from './demo-alerts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

export interface DemoBookOptions {
  seed: number;
  accounts: number;
  /** The book's present: its history ends before it, its upcoming renewals come after it. */
  now: Date;
  /** The policy in force (the one the api and the worker load). */
  policy: RetainPolicy;
  /** The churners' planted usage drops (default: 85% drop 30% or more, 60% 40% or more). */
  churnUsageDrops?: readonly ChurnUsageDrop[];
}

/** The ground truth the book plants: how many churners drop how far before their churn. */
export interface DemoUsageGroundTruth {
  drops: ChurnUsageDrop[];
  churners: number;
  /** Per band of measured drop, the churners planted in it. */
  bands: UsageBand[];
  /** Churners whose history had no place for a drop the usage rule would see in time (planted in the lowest band). */
  unplantable: number;
}

export interface DemoPrincipal {
  id: string;
  displayName: string;
  role: Role;
  managerId: string | null;
  email: string | null;
  timeZone: string | null;
}

/** How an account's year goes. */
export const DEMO_STORIES = ['healthy', 'growth', 'watch', 'recovers', 'at_risk', 'turns_red', 'new_logo'] as const;
export type DemoStory = (typeof DEMO_STORIES)[number];

/** A renewal of the next twelve months, to launch through the api and classify with its health events. */
export interface DemoUpcoming {
  accountId: string;
  renewalDate: string;
  /** The `POST /renewals` body. */
  launch: { account: Record<string, unknown>; renewalDate: string };
  /** The category its events should give it. */
  target: RiskCategory;
  /** Its health events, in order (the writer stamps them with the time it sends them). */
  events: Array<{ id: string; type: IntegrationEventType; payload: Record<string, unknown> }>;
}

export interface DemoBook {
  seed: number;
  now: string;
  policyVersion: string;
  principals: DemoPrincipal[];
  /** The accounts as cs_ops states them now (the ARR each has after its decision). */
  accounts: AssertedAccountFacts[];
  stories: Record<string, DemoStory>;
  /** Decided and closed renewals of the year. */
  renewals: RenewalState[];
  /** Finished saves (saved, lost or exited), with the effort logged on them. */
  saves: SaveState[];
  /** Resolved alerts of the year. */
  alerts: AlertRecord[];
  /** Health readings: one per health-score event of the year. */
  healthObservations: HealthObservation[];
  /** Every account's weekly active users (usage_snapshot events of the history). */
  usage: UsageSeries[];
  /** The year's other integration events, as the accounts' workflows applied them. */
  historyEvents: Array<DemoEvent & { accountId: string }>;
  usageGroundTruth: DemoUsageGroundTruth;
  upcoming: DemoUpcoming[];
  /** The principals the CLI names: the director (who looks at the metrics), CS ops, the integration. */
  directorId: string;
  opsId: string;
  integrationId: string;
}

// ---- the org chart ----

interface Org {
  principals: DemoPrincipal[];
  vp: string;
  director: string;
  managers: string[];
  csms: Array<{ id: string; manager: string }>;
  salesReps: string[];
  product: string;
  ops: string;
}

function personName(rng: Rng, taken: Set<string>): { name: string; email: string } {
  for (let i = 0; ; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const name = i < 20 ? `${first} ${last}` : `${first} ${last} ${i}`;
    if (taken.has(name)) continue;
    taken.add(name);
    return { name, email: `${first}.${last}${i < 20 ? '' : i}@retain-demo.example`.toLowerCase() };
  }
}

function orgChart(rng: Rng, accounts: number): Org {
  const taken = new Set<string>();
  const principals: DemoPrincipal[] = [];
  const person = (id: string, role: Role, managerId: string | null, timeZone: string | null) => {
    const { name, email } = personName(rng, taken);
    principals.push({ id, displayName: name, role, managerId, email, timeZone });
    return id;
  };
  const vp = person('demo-vp', 'vp', null, 'America/New_York');
  const director = person('demo-director', 'director', vp, 'America/New_York');
  const managerCount = Math.min(4, Math.max(2, Math.ceil(accounts / 75)));
  const zones = ['America/New_York', 'Europe/London', 'America/Los_Angeles', 'Asia/Singapore'];
  const managers = Array.from({ length: managerCount }, (_, i) =>
    person(`demo-mgr-${i + 1}`, 'csm_manager', director, zones[i]!),
  );
  const csmCount = Math.min(60, Math.max(managerCount, Math.ceil(accounts / 20)));
  const csms = Array.from({ length: csmCount }, (_, i) => {
    const manager = managers[i % managerCount]!;
    const zone = zones[i % managerCount]!;
    return { id: person(`demo-csm-${String(i + 1).padStart(2, '0')}`, 'csm', manager, zone), manager };
  });
  const salesReps = Array.from({ length: Math.min(8, Math.max(1, Math.ceil(accounts / 60))) }, (_, i) =>
    person(`demo-ae-${i + 1}`, 'sales_rep', vp, 'America/Chicago'),
  );
  const product = person('demo-product-1', 'product', vp, 'Europe/Berlin');
  const ops = person('demo-ops', 'cs_ops', director, 'America/New_York');
  principals.push({
    id: DEMO_SOURCE,
    displayName: 'Demo data feed',
    role: 'integration',
    managerId: null,
    email: null,
    timeZone: null,
  });
  return { principals, vp, director, managers, csms, salesReps, product, ops };
}

// ---- accounts ----

/** Segment shares and ARR ranges (US cents, drawn evenly on a log scale). */
const SEGMENTS: Record<Segment, { share: number; arr: [number, number]; salesRep: number }> = {
  enterprise: { share: 0.15, arr: [12_000_000, 120_000_000], salesRep: 0.9 },
  mid_market: { share: 0.35, arr: [2_500_000, 12_000_000], salesRep: 0.6 },
  smb: { share: 0.5, arr: [400_000, 2_500_000], salesRep: 0.2 },
};

/** How often each story is an account's year (about 14% of renewals turn red, 11% churn). */
const STORY_WEIGHTS: Record<DemoStory, number> = {
  healthy: 0.47,
  growth: 0.09,
  watch: 0.15,
  recovers: 0.06,
  at_risk: 0.05,
  turns_red: 0.1,
  new_logo: 0.08,
};

const VERTICAL_WEIGHTS: Record<Vertical, number> = {
  technology: 4,
  financial_services: 3,
  healthcare: 2,
  retail: 2,
  manufacturing: 2,
  education: 1,
  public_sector: 1,
  other: 1,
};

function companyName(rng: Rng, taken: Set<string>): string {
  for (let i = 0; ; i++) {
    const base = `${rng.pick(COMPANY_PREFIXES)} ${rng.pick(COMPANY_SUFFIXES)}`;
    const name = i < 30 ? `${base} ${rng.pick(COMPANY_FORMS)}` : `${base} ${i}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

function contact(rng: Rng, domain: string, titles: readonly string[]): AccountContact {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return {
    name: `${first} ${last}`,
    email: `${first}.${last}@${domain}`.toLowerCase(),
    title: rng.pick(titles),
    departedAt: null,
  };
}

// ---- the events of an account's year ----

/** Health scores of each story: the range it moves in, before and after what changes it. */
function scoreIn(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return Math.round(rng.range(lo, hi));
}

const TARGET_SCORE: Record<RiskCategory, [number, number]> = {
  green: [74, 92],
  expansion: [80, 93],
  yellow: [61, 69],
  red: [42, 49],
};

/** The next term's category by the year's story (churned or paused accounts have no next term). */
const UPCOMING_BY_STORY: Record<DemoStory, Partial<Record<RiskCategory, number>>> = {
  healthy: { green: 0.72, expansion: 0.12, yellow: 0.13, red: 0.03 },
  growth: { expansion: 0.45, green: 0.45, yellow: 0.08, red: 0.02 },
  watch: { green: 0.4, yellow: 0.45, red: 0.1, expansion: 0.05 },
  recovers: { green: 0.5, yellow: 0.38, red: 0.07, expansion: 0.05 },
  at_risk: { red: 0.3, yellow: 0.45, green: 0.25 },
  turns_red: { red: 0.25, yellow: 0.45, green: 0.3 },
  new_logo: { green: 0.5, yellow: 0.4, red: 0.1 },
};

interface Ev {
  type: IntegrationEventType;
  payload: Record<string, unknown>;
}

/** Background signals any account sends now and then (tickets, surveys, a low score). */
function noiseEvent(rng: Rng, n: number): Ev {
  const kind = rng.weighted({ p1: 3, csat: 2, nps: 2, escalated: 1, review: 1, flag: 1 });
  switch (kind) {
    case 'p1':
      return { type: 'support_ticket_opened', payload: { ticketId: `T-${n}`, priority: 'P1' } };
    case 'csat':
      return { type: 'csat', payload: { score: rng.int(1, 2) } };
    case 'nps':
      return { type: 'nps', payload: { score: rng.int(3, 6) } };
    case 'escalated':
      return {
        type: 'support_ticket_escalated',
        payload: { ticketId: `T-${n}`, to: rng.pick(['engineering', 'management'] as const) },
      };
    case 'review':
      return {
        type: 'public_review',
        payload: { rating: rng.int(1, 2), text: 'Support was slow to respond', site: 'G2' },
      };
    default:
      return { type: 'csm_flag', payload: { reason: 'Quiet since the last QBR', level: 'watch' } };
  }
}

/** A warning that changes nothing in the renewal's inputs (it is only an alert): tickets, a review, a CSM flag. */
function warningEvent(rng: Rng, n: number): Ev {
  const kind = rng.weighted({ escalated: 2, review: 1, flag: 2, p1: 1 });
  if (kind === 'escalated')
    return {
      type: 'support_ticket_escalated',
      payload: { ticketId: `T-${n}`, to: rng.pick(['management', 'executive'] as const) },
    };
  if (kind === 'review')
    return { type: 'public_review', payload: { rating: 1, text: 'Considering other options', site: 'Capterra' } };
  if (kind === 'p1') return { type: 'support_ticket_opened', payload: { ticketId: `T-${n}`, priority: 'P1' } };
  return { type: 'csm_flag', payload: { reason: 'Champion is disengaging', level: 'at_risk' } };
}

/** What turns a renewal red during its course, with the health drop some bring. */
function redTrigger(rng: Rng, sponsor: AccountContact, arrCents: number): { events: Ev[]; scoreDrop: boolean } {
  const kind = rng.weighted({
    competitor: 3,
    sponsor: 2,
    stakeholder: 1,
    budget: 2,
    cancel: 1,
    payment: 1,
    export: 1,
    layoffs: 1,
  });
  switch (kind) {
    case 'competitor':
      return {
        events: [
          {
            type: 'competitor_mention',
            payload: {
              competitor: rng.pick(COMPETITORS),
              context: rng.pick(['evaluation', 'question', 'migration'] as const),
            },
          },
        ],
        scoreDrop: false,
      };
    case 'sponsor':
      return {
        events: [{ type: 'sponsor_departure', payload: { reason: 'departed', contactName: sponsor.name } }],
        scoreDrop: false,
      };
    case 'stakeholder':
      return {
        events: [
          {
            type: 'stakeholder_change',
            payload: { who: 'Procurement', description: 'a new budget owner reviews all vendors' },
          },
        ],
        scoreDrop: false,
      };
    case 'budget':
      return {
        events: [{ type: 'budget_freeze', payload: { scope: rng.pick(['company', 'department'] as const) } }],
        scoreDrop: true,
      };
    case 'cancel':
      return {
        events: [
          { type: 'cancellation_inquiry', payload: { channel: rng.pick(['email', 'call', 'ticket'] as const) } },
        ],
        scoreDrop: false,
      };
    case 'payment':
      return {
        events: [{ type: 'payment_failure', payload: { amountCents: Math.round(arrCents / 12), attempt: 1 } }],
        scoreDrop: false,
      };
    case 'export':
      return { events: [{ type: 'data_export', payload: { scope: 'full' } }], scoreDrop: false };
    default:
      return { events: [{ type: 'layoffs', payload: { sharePct: rng.int(5, 20) } }], scoreDrop: true };
  }
}

interface AccountPlan {
  story: DemoStory;
  term: TermInput | null;
  events: DemoEvent[];
  upcomingTarget: RiskCategory;
  upcomingDate: string;
}

/**
 * The account's year before it is run: its renewal of the year (date, launch, when the
 * customer decides), its health score every month, the signals of its story and the
 * background noise, and the category its next term is headed for.
 */
function planAccount(
  rng: Rng,
  account: AccountSnapshot,
  sponsor: AccountContact,
  story: DemoStory,
  now: number,
  policy: RetainPolicy,
): AccountPlan {
  const tz = account.timeZone;
  const events: DemoEvent[] = [];
  let n = 0;
  const add = (e: Ev, at: number) => {
    n += 1;
    events.push({ id: `evt-${account.id}-${n}`, type: e.type, payload: e.payload, at: Math.round(at) } as DemoEvent);
  };
  const upcomingTarget = rng.weighted(UPCOMING_BY_STORY[story] as Record<RiskCategory, number>);
  const yearStart = now - 365 * DAY;
  const latestEvent = now - 2 * DAY;

  let term: TermInput | null = null;
  let upcomingDate: string;
  let signedAt = yearStart;
  /** When the story's turn comes: a recovery, a red trigger. */
  let turnAt = Infinity;
  let scoreDrop = false;
  /** When an at-risk account's health started to slide (about five months before its renewal). */
  let riskFrom = Infinity;
  if (story === 'new_logo') {
    upcomingDate = localDateAt(new Date(now + rng.range(45, 360) * DAY), tz);
    signedAt = Math.max(yearStart, Date.parse(`${addDays(upcomingDate, -365)}T12:00:00Z`));
  } else {
    const renewalDate = localDateAt(new Date(now - rng.range(9, 358) * DAY), tz);
    const milestones = renewalMilestones(renewalDate, tz, policy);
    const assessment = milestones[0]!.at.getTime();
    const renewalDay = milestones.find((m) => m.phase === 'renewal_day')!.at.getTime();
    const launchedAt = assessment - rng.range(5, 45) * DAY;
    const decisionAt = Math.min(
      rng.chance(0.85) ? renewalDay - rng.range(1, 30) * DAY : renewalDay + rng.range(0.2, 5) * DAY,
      now - 3 * DAY,
    );
    term = { renewalDate, launchedAt, launchHealth: {}, decisionAt, restSave: false };
    upcomingDate = nextTermOf(renewalDate, policy);
    if (story === 'recovers') turnAt = assessment + rng.range(10, 45) * DAY;
    if (story === 'turns_red') {
      turnAt = Math.max(launchedAt + DAY, Math.min(renewalDay - rng.range(12, 75) * DAY, decisionAt - 2 * DAY));
      const trigger = redTrigger(rng, sponsor, account.arrCents);
      scoreDrop = trigger.scoreDrop;
      trigger.events.forEach((e, i) => add(e, turnAt + i * 2 * DAY));
    }
    if (story === 'growth')
      add(
        { type: 'expansion_interest', payload: { from: 'budget_holder', product: 'Analytics add-on' } },
        assessment + rng.range(2, 40) * DAY,
      );
    if (story === 'watch' && rng.chance(0.5)) add(noiseEvent(rng, n + 1), launchedAt + rng.range(5, 100) * DAY);
    if (story === 'at_risk') {
      riskFrom = renewalDay - rng.range(130, 170) * DAY;
      // What put it at risk, before the renewal was launched.
      const second = rng.weighted({ budget: 2, nps: 2, layoffs: 1, survey: 1 });
      const at = launchedAt - rng.range(5, 50) * DAY;
      if (second === 'budget') add({ type: 'budget_freeze', payload: { scope: 'company' } }, at);
      else if (second === 'layoffs') add({ type: 'layoffs', payload: { sharePct: rng.int(5, 15) } }, at);
      else if (second === 'nps') add({ type: 'nps', payload: { score: rng.int(1, 5) } }, at);
      else add({ type: 'survey_comment', payload: { text: rng.pick(SURVEY_COMPLAINTS), sentiment: 'negative' } }, at);
      term.launchHealth = {
        ...(second === 'budget' ? { budgetSignal: true } : {}),
        ...(second === 'layoffs' ? { businessChange: true } : {}),
        ...(second === 'nps' || second === 'survey' ? { supportSentiment: 'negative' as const } : {}),
      };
    }
    // A CSM starts a save himself for a fifth of the renewals that look shaky.
    term.restSave = (story === 'watch' || story === 'recovers') && rng.chance(0.2);
  }

  // The health score every month (from the CS platform), in its story's range.
  const base = rng.range(0, 1);
  const scoreAt = (t: number): number => {
    const target = TARGET_SCORE[upcomingTarget];
    if (t >= now - 45 * DAY) return scoreIn(rng, [target[0], target[1]]);
    const after = term && t > term.decisionAt;
    const range: [number, number] = (() => {
      switch (story) {
        case 'healthy':
          return [74 + base * 8, 84 + base * 8];
        case 'growth':
          return [80 + base * 5, 88 + base * 5];
        case 'watch':
          return after ? [62, 74] : [61 + base * 2, 67 + base * 2];
        case 'recovers':
          return t >= turnAt ? [76, 88] : [61, 67];
        case 'at_risk':
          // Sliding in the half year before the renewal, recovering after the decision.
          return after ? [63, 75] : t >= riskFrom ? [34 + base * 6, 44 + base * 6] : [62, 69];
        case 'turns_red':
          return after ? [63, 76] : t >= turnAt && scoreDrop ? [40, 49] : [74, 88];
        default:
          return [66 + base * 8, 80 + base * 8];
      }
    })();
    return scoreIn(rng, range);
  };
  const day = rng.int(1, 26);
  for (let t = signedAt + day * DAY + rng.range(8, 17) * HOUR; t <= latestEvent; t += 30 * DAY)
    add({ type: 'health_score', payload: { score: scoreAt(t) } }, t);
  if (story === 'recovers') add({ type: 'health_score', payload: { score: scoreIn(rng, [78, 88]) } }, turnAt);
  if (scoreDrop) add({ type: 'health_score', payload: { score: scoreIn(rng, [40, 49]) } }, turnAt + 3 * DAY);

  // The background: tickets, surveys, a flag, more often where things are shakier.
  const noiseMean: Record<DemoStory, number> = {
    healthy: 0.12,
    growth: 0.1,
    watch: 0.35,
    recovers: 0.3,
    at_risk: 0.8,
    turns_red: 0.4,
    new_logo: 0.15,
  };
  // An account in trouble sends its signals while it is in trouble: before its decision.
  const noiseTo =
    term && (story === 'at_risk' || story === 'turns_red' || story === 'watch') ? term.decisionAt : latestEvent;
  const noiseFrom = story === 'at_risk' && Number.isFinite(riskFrom) ? riskFrom : signedAt;
  const noise = rng.poisson(noiseMean[story]);
  for (let i = 0; i < noise; i++) add(noiseEvent(rng, n + 1), noiseFrom + rng.float() * (noiseTo - noiseFrom));

  // The health known at the launch: the latest score, and what the story says of the rest.
  if (term) {
    const latestScore = events
      .filter((e) => e.type === 'health_score' && e.at <= term.launchedAt)
      .sort((a, b) => b.at - a.at)[0];
    const healthy = story === 'healthy' || story === 'growth' || story === 'turns_red';
    const launch: RenewalHealthInputs = {
      ...(latestScore && latestScore.type === 'health_score' ? { healthScore: latestScore.payload.score } : {}),
      ...(healthy
        ? {
            supportSentiment: rng.pick(['positive', 'neutral'] as const),
            relationship: rng.pick(['strong', 'good'] as const),
            businessOutcomes: 'achieved' as const,
          }
        : { relationship: 'good' as const, businessOutcomes: rng.pick(['achieved', 'partial'] as const) }),
      ...(story === 'growth' ? { growth: { whitespace: rng.chance(0.5) } } : {}),
      ...term.launchHealth,
    };
    term.launchHealth = launch;
  }
  return { story, term, events, upcomingTarget, upcomingDate };
}

/** The health events of a next term: what classifies it as `target` once they reach it. */
function upcomingEvents(rng: Rng, accountId: string, target: RiskCategory): DemoUpcoming['events'] {
  const id = (k: string) => `now-${accountId}-${k}`;
  const score = (range: [number, number]) => ({
    id: id('health'),
    type: 'health_score' as const,
    payload: { score: scoreIn(rng, range) },
  });
  switch (target) {
    case 'green':
      return [score(TARGET_SCORE.green)];
    case 'expansion':
      return [
        score(TARGET_SCORE.expansion),
        { id: id('expansion'), type: 'expansion_interest', payload: { from: 'budget_holder', product: 'More seats' } },
      ];
    case 'yellow':
      return [score(TARGET_SCORE.yellow)];
    case 'red':
      return rng.chance(0.5)
        ? [score(TARGET_SCORE.red), { id: id('budget'), type: 'budget_freeze', payload: { scope: 'company' } }]
        : [
            score([62, 75]),
            {
              id: id('competitor'),
              type: 'competitor_mention',
              payload: { competitor: rng.pick(COMPETITORS), context: 'evaluation' },
            },
          ];
  }
}

/** The demo book for `options` (see the file's header). */
export function generateDemoBook(options: DemoBookOptions): DemoBook {
  const { seed, accounts: count, policy } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError('the seed is a whole number');
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new RangeError('accounts is 1 to 100,000');
  const now = options.now.getTime();
  const root = new Rng(seed);
  const org = orgChart(root.fork('org'), count);
  const names = new Set<string>();
  const book: DemoBook = {
    seed,
    now: options.now.toISOString(),
    policyVersion: policy.version,
    principals: org.principals,
    accounts: [],
    stories: {},
    renewals: [],
    saves: [],
    alerts: [],
    healthObservations: [],
    usage: [],
    historyEvents: [],
    usageGroundTruth: { drops: [], churners: 0, bands: [], unplantable: 0 },
    upcoming: [],
    directorId: org.director,
    opsId: org.ops,
    integrationId: DEMO_SOURCE,
  };
  const usage: Array<{ plan: UsagePlan; churned: boolean; rank: number }> = [];
  for (let i = 1; i <= count; i++) {
    const id = `demo-acc-${String(i).padStart(4, '0')}`;
    const rng = root.fork(id);
    const segment = rng.weighted({
      enterprise: SEGMENTS.enterprise.share,
      mid_market: SEGMENTS.mid_market.share,
      smb: SEGMENTS.smb.share,
    });
    const s = SEGMENTS[segment];
    const arrCents = Math.round(Math.exp(rng.range(Math.log(s.arr[0]), Math.log(s.arr[1]))) / 50_000) * 50_000;
    const csm = rng.pick(org.csms);
    const name = companyName(rng, names);
    const domain = `${name.split(' ')[0]!.toLowerCase()}-${i}.example`;
    const account: AccountSnapshot = {
      id,
      name,
      arrCents,
      segment,
      timeZone: rng.weighted(ACCOUNT_TIME_ZONES),
      ownerCsmId: csm.id,
      csmManagerId: csm.manager,
      salesRepId: rng.chance(s.salesRep) ? rng.pick(org.salesReps) : null,
    };
    const vertical = rng.weighted(VERTICAL_WEIGHTS);
    const sponsor = contact(rng, domain, SPONSOR_TITLES);
    const champion = contact(rng, domain, CHAMPION_TITLES);
    const story = rng.weighted(STORY_WEIGHTS);
    const people: AccountPeople = {
      csm: csm.id,
      manager: csm.manager,
      director: org.director,
      vp: org.vp,
      product: org.product,
      salesRep: account.salesRepId,
      ops: org.ops,
    };
    const plan = planAccount(rng.fork('plan'), account, sponsor, story, now, policy);
    const input = { policy, now, account, vertical, people, term: plan.term, events: plan.events };
    let year = runAccountYear(rng.fork('year'), input);
    // A churned account was warned 30-90 days before, mostly: where nothing warned, a warning came then.
    const decision = year.renewal?.decision;
    if (decision?.outcome === 'churned') {
      const decidedAt = Date.parse(decision.decidedAt);
      const warned = year.alerts.some((a) => {
        const lead = decidedAt - Date.parse(a.triggeredAt);
        return lead >= 30 * DAY && lead <= 90 * DAY;
      });
      const extra = rng.fork('lead-warning');
      if (!warned && extra.chance(0.8)) {
        const warning = warningEvent(extra, plan.events.length + 1);
        const at = Math.max(decidedAt - extra.range(32, 88) * DAY, now - 364 * DAY);
        const event = { id: `evt-${id}-warning`, ...warning, at: Math.round(at) } as DemoEvent;
        year = runAccountYear(rng.fork('year'), { ...input, events: [...plan.events, event] });
      }
    }
    const finalDecision = year.renewal?.decision ?? null;
    const currentArr =
      finalDecision && finalDecision.outcome !== 'churned' ? finalDecision.newArrCents : account.arrCents;
    const lifecycleStage: LifecycleStage =
      story === 'new_logo'
        ? 'onboarding'
        : finalDecision?.outcome === 'churned'
          ? 'renewal'
          : rng.pick(['adoption', 'maturity'] as const);
    // A customer since its first term: a year before this year's renewal for a first renewal, more for older ones.
    const tenureYears = Number(
      rng.fork('tenure').weighted({ 1: 0.3, 2: 0.25, 3: 0.18, 4: 0.12, 5: 0.08, 6: 0.04, 8: 0.03 }),
    );
    const customerSince = plan.term
      ? addMonths(plan.term.renewalDate, -policy.renewal.termMonths * tenureYears)
      : addMonths(plan.upcomingDate, -policy.renewal.termMonths);
    const facts: AssertedAccountFacts = {
      ...account,
      arrCents: currentArr,
      vertical,
      executiveSponsor: sponsor,
      champion,
      lifecycleStage,
      customerSince,
    };
    book.accounts.push(facts);
    book.stories[id] = story;
    if (year.renewal) book.renewals.push(year.renewal);
    if (year.save) book.saves.push(year.save);
    book.alerts.push(...year.alerts);
    for (const e of year.events) book.historyEvents.push({ ...e, accountId: id });
    // Product usage from before the year (the usage rule's baseline) or since the account signed, until now or its churn.
    const churned = finalDecision?.outcome === 'churned';
    const usageFrom =
      story === 'new_logo'
        ? Math.max(Date.parse(`${customerSince}T00:00:00Z`), now - 365 * DAY)
        : now - (365 + USAGE_HISTORY_BEFORE_DAYS) * DAY;
    usage.push({
      plan: usagePlan(
        rng.fork('usage'),
        { id, segment, vertical, timeZone: account.timeZone },
        { from: usageFrom, until: now - 2 * DAY },
        churned ? Date.parse(finalDecision.decidedAt) : null,
        policy,
      ),
      churned,
      rank: rng.fork('usage-rank').float(),
    });
    for (const e of year.events) {
      if (e.type !== 'health_score') continue;
      book.healthObservations.push({
        accountId: id,
        observedAt: iso(e.at),
        healthScore: e.payload.score,
        usageChangePct: null,
        source: DEMO_SOURCE,
        eventId: retainEventId(e),
      });
    }
    // The next term, for every account that stays (a paused one has none until it resumes).
    if (
      !finalDecision ||
      finalDecision.outcome === 'renewed' ||
      finalDecision.outcome === 'expanded' ||
      finalDecision.outcome === 'downsized'
    ) {
      const contactBody = (c: AccountContact) => ({ name: c.name, email: c.email, title: c.title });
      book.upcoming.push({
        accountId: id,
        renewalDate: plan.upcomingDate,
        launch: {
          account: {
            id,
            name,
            arrCents: currentArr,
            segment,
            timeZone: account.timeZone,
            ownerCsmId: account.ownerCsmId,
            csmManagerId: account.csmManagerId,
            ...(account.salesRepId ? { salesRepId: account.salesRepId } : {}),
            vertical,
            lifecycleStage,
            executiveSponsor: contactBody(sponsor),
            champion: contactBody(champion),
            customerSince,
          },
          renewalDate: plan.upcomingDate,
        },
        target: plan.upcomingTarget,
        events: upcomingEvents(rng.fork('upcoming'), id, plan.upcomingTarget),
      });
    }
  }
  plantUsage(book, usage, options.churnUsageDrops ?? DEFAULT_CHURN_USAGE_DROPS, root.fork('usage-drops'));
  return book;
}

/** Weeks of usage before the year: the usage rule's baseline for a drop early in it. */
const USAGE_HISTORY_BEFORE_DAYS = 91;

/**
 * The usage series of the book: each churner in its band of the planted drops (exact
 * counts, by the churners' drawn order; those with a place for a drop first, highest band
 * first), everyone else level within noise.
 */
function plantUsage(
  book: DemoBook,
  usage: ReadonlyArray<{ plan: UsagePlan; churned: boolean; rank: number }>,
  drops: readonly ChurnUsageDrop[],
  rng: Rng,
): void {
  const churners = usage.filter((u) => u.churned);
  const bands = usageBands(drops, churners.length);
  const ordered = [...churners].sort(
    (a, b) => Number(a.plan.stepAt === null) - Number(b.plan.stepAt === null) || a.rank - b.rank,
  );
  const dropOf = new Map<string, number>();
  let next = 0;
  let unplantable = 0;
  for (const band of [...bands].reverse()) {
    for (let k = 0; k < band.churners; k++) {
      const u = ordered[next++]!;
      if (band.fromPct > 0 && u.plan.stepAt === null) unplantable += 1;
      dropOf.set(u.plan.account.id, plantedDropPct(rng.fork(u.plan.account.id), band));
    }
  }
  for (const u of usage) book.usage.push(usageSeries(u.plan, dropOf.get(u.plan.account.id) ?? 0, DEMO_SOURCE));
  book.usageGroundTruth = { drops: [...drops], churners: churners.length, bands, unplantable };
}

/** How many rows of each kind the book has (what the CLI prints). */
export function demoBookCounts(book: DemoBook): Record<string, number> {
  return {
    principals: book.principals.length,
    accounts: book.accounts.length,
    renewals: book.renewals.length,
    saves: book.saves.length,
    alerts: book.alerts.length,
    healthObservations: book.healthObservations.length,
    usageSnapshots: book.usage.reduce((n, u) => n + usageEvents(u).length, 0),
    historyEvents: book.historyEvents.length,
    upcoming: book.upcoming.length,
  };
}
