/**
 * Who may do what to which object (docs/access.md). Every object Retain keeps belongs
 * to an account; a person stands to it through that account, or as the owner of one
 * item of it:
 *
 * - `owner`: the account's owner CSM;
 * - `team`: in the management chain above the owner CSM (his manager, that manager's
 *   manager, ...), or the account's CSM manager;
 * - `sales_rep`: the account's sales rep;
 * - `assignee`: the owner of the one item acted on (a task, a promise, a plan item).
 *
 * A grant names, per role, the relations that admit it, or `any` (directors and VPs
 * see everything; cs_ops administers everything). A role a grant does not name is
 * refused whatever its relation. The route guard admits the roles of an action's grant
 * (`rolesFor`); the services check the relation (`permits`); lists filter by the same
 * grant (`listScope`). Pure data and pure functions.
 */
import type { Role } from '../roles';

export const RELATIONS = ['owner', 'team', 'sales_rep', 'assignee'] as const;
export type Relation = (typeof RELATIONS)[number];

export type Grant = 'any' | readonly Relation[];
export type Grants = Partial<Record<Role, Grant>>;

const OWNER: Grant = ['owner'];
const TEAM: Grant = ['team'];

/** Reading an account's work: its owner, his chain, directors, VPs and cs_ops. */
const READ_WORK: Grants = { csm: OWNER, csm_manager: TEAM, director: 'any', vp: 'any', cs_ops: 'any' };
/** Acting on an account's work: its owner, his chain, directors and VPs. */
const ACT_ON_WORK: Grants = { csm: OWNER, csm_manager: TEAM, director: 'any', vp: 'any' };
/** Acting on one item: as for the work, or as the item's own owner. */
const ACT_ON_ITEM: Grants = {
  csm: ['owner', 'assignee'],
  csm_manager: ['team', 'assignee'],
  director: 'any',
  vp: 'any',
};
/** Something of one's own (one's notifications, one's contact addresses): every person, never an integration. */
const EVERY_PERSON: Grants = {
  csm: 'any',
  csm_manager: 'any',
  director: 'any',
  vp: 'any',
  sales_rep: 'any',
  product: 'any',
  cs_ops: 'any',
};
/** Starting a save or a monitoring: the owner, his manager chain (whatever its roles), and cs_ops. */
const START_WORK: Grants = { csm: OWNER, csm_manager: TEAM, director: TEAM, vp: TEAM, cs_ops: 'any' };

export const ACCESS = {
  /**
   * The caller's own principal (`GET /me`): who he is and what his role may do, derived
   * from this table (capabilities.ts). Every key may ask it; it names no account.
   */
  self: {
    read: {
      csm: 'any',
      csm_manager: 'any',
      director: 'any',
      vp: 'any',
      sales_rep: 'any',
      product: 'any',
      cs_ops: 'any',
      integration: 'any',
    },
  },
  account: {
    read: { csm: OWNER, csm_manager: TEAM, sales_rep: ['sales_rep'], director: 'any', vp: 'any', cs_ops: 'any' },
    /** Name, ARR, segment, time zone, owner CSM, CSM manager, sales rep. */
    changeFacts: { cs_ops: 'any' },
    suppress: { csm: OWNER, csm_manager: TEAM, director: 'any', vp: 'any', cs_ops: 'any' },
  },
  renewal: {
    launch: { cs_ops: 'any' },
    read: {
      csm: OWNER,
      csm_manager: TEAM,
      sales_rep: ['sales_rep'],
      director: 'any',
      vp: 'any',
      cs_ops: 'any',
      product: 'any',
    },
    completeTask: {
      csm: ['owner', 'assignee'],
      csm_manager: ['team', 'assignee'],
      sales_rep: ['sales_rep', 'assignee'],
      director: 'any',
      vp: 'any',
    },
    decide: { csm: OWNER, csm_manager: TEAM, sales_rep: ['sales_rep'], director: 'any', vp: 'any', cs_ops: 'any' },
    /** Resolving a competitive, stakeholder or commercial signal with a reason (§3): the renewal's people. */
    resolveSignal: { csm: OWNER, csm_manager: TEAM, director: 'any', vp: 'any' },
    reschedule: { csm_manager: TEAM, director: 'any', vp: 'any', cs_ops: 'any' },
    cancel: { cs_ops: 'any' },
  },
  save: {
    start: START_WORK,
    read: READ_WORK,
    /** Issues, plan items, conversations, the effort log, executive escalation, outcome, debrief. */
    work: ACT_ON_WORK,
    /** Re-triage (changed facts, strategic flags) and a person's override of the probability tier, with a reason. */
    triage: ACT_ON_WORK,
    /** Marking the steps of a lost or exited save's graceful exit done. */
    gracefulExit: ACT_ON_WORK,
  },
  planItem: {
    /** A plan item's owner may be a product engineer fixing the issue. */
    progress: { ...ACT_ON_ITEM, product: ['assignee'] },
  },
  concession: {
    request: ACT_ON_WORK,
    /** Beside access, the approval matrix's authority and the requester's seniority (concession-approval.ts). */
    decide: ACT_ON_WORK,
  },
  monitoring: {
    start: START_WORK,
    read: READ_WORK,
    completeTask: ACT_ON_ITEM,
    /** A promise's owner may be a sales rep who promised a contract change. */
    recordPromise: { ...ACT_ON_ITEM, sales_rep: ['assignee'] },
  },
  winBack: {
    read: READ_WORK,
    work: ACT_ON_WORK,
  },
  alert: {
    read: READ_WORK,
    handle: ACT_ON_WORK,
    /** The rulebook of alerts: not an account's data. */
    catalogue: { csm: 'any', csm_manager: 'any', director: 'any', vp: 'any', cs_ops: 'any' },
  },
  audit: {
    read: { director: 'any', vp: 'any' },
  },
  /** The policy in force and the versions running workflows carry: the rulebook's numbers, not an account's data. */
  policy: {
    read: { csm: 'any', csm_manager: 'any', director: 'any', vp: 'any', cs_ops: 'any' },
    /** Adopting a candidate as the next version (`PUT /policy`): the programme's leaders, not cs_ops who runs it. */
    adopt: { director: 'any', vp: 'any' },
  },
  /**
   * Back-tests of candidate policies over the whole recorded history (docs/policy-lab.md):
   * figures over every account, so those who see every account and set the policy.
   */
  backtest: {
    run: { director: 'any', vp: 'any', cs_ops: 'any' },
    read: { director: 'any', vp: 'any', cs_ops: 'any' },
  },
  /**
   * The metrics (docs/metrics.md): figures over many accounts, each reader's over the
   * accounts he may see — a CSM his own book, a manager his own and his team's, directors,
   * VPs and cs_ops everything. Sales reps, product and integrations read none.
   */
  metrics: {
    read: { csm: OWNER, csm_manager: ['owner', 'team'], director: 'any', vp: 'any', cs_ops: 'any' },
  },
  /**
   * A person's own in-app notifications (`GET /notifications`, marking read) and own
   * contact addresses (`/me/contacts`): every person reads and changes only his own, so
   * no relation to an account is involved; integrations have none.
   */
  notification: { read: EVERY_PERSON, markRead: EVERY_PERSON },
  contacts: { read: EVERY_PERSON, change: EVERY_PERSON },
  event: {
    /** Each integration posts its own events (`source` is its id); account facts need the `account_facts` scope. */
    ingest: { integration: 'any' },
    /**
     * Events held for an account Retain does not know yet: no account to stand to, so no
     * relation; cs_ops, who launches accounts and runs the integrations, reads them.
     */
    readHeld: { cs_ops: 'any' },
  },
  connector: {
    /**
     * A vendor's webhook (POST /connectors/{name}): no API key, the vendor's signature
     * names the secret, and the secret the integration principal whose events these are;
     * only an integration's secret is taken (docs/connectors/README.md).
     */
    receive: { integration: 'any' },
    /**
     * The vendor events a connector received, mapped or not (GET /connectors/{name}/events):
     * raw vendor payloads, many naming no account anyone stands to (the unmapped, the
     * refused), so no relation; cs_ops, who runs the integrations and their mappings.
     */
    readEvents: { cs_ops: 'any' },
    /**
     * A CRM connector's renewal opportunity launching, rescheduling or deciding the
     * account's renewal (docs/decisions/0012): only through a connector's verified vendor
     * event, when its mapping opts in (`renewals.enabled`) and the verifying secret holds
     * the `renewals` scope; never through the REST routes, whose grants name no integration.
     */
    actOnRenewals: { integration: 'any' },
  },
} as const satisfies Record<string, Record<string, Grants>>;

export type AccessResource = keyof typeof ACCESS;
export type AccessAction<R extends AccessResource = AccessResource> = keyof (typeof ACCESS)[R] & string;

function grantsOf(resource: AccessResource, action: string): Grants {
  const grants = (ACCESS[resource] as Record<string, Grants>)[action];
  if (!grants) throw new RangeError(`no access rule for ${resource}.${action}`);
  return grants;
}

/** The roles an action admits at all (what the route guard checks). */
export function rolesFor<R extends AccessResource>(resource: R, action: AccessAction<R>): Role[] {
  return Object.keys(grantsOf(resource, action)) as Role[];
}

/** Whether a `role` standing to the object in `relations` may do `action` to it. */
export function permits<R extends AccessResource>(
  role: Role,
  relations: readonly Relation[],
  resource: R,
  action: AccessAction<R>,
): boolean {
  const grant = grantsOf(resource, action)[role];
  if (!grant) return false;
  return grant === 'any' || grant.some((r) => relations.includes(r));
}

/**
 * Which objects of a list a role sees: all of them, those it stands to in one of
 * `relations` (an item relation such as `assignee` never widens a list), or none.
 */
export type ListScope =
  { kind: 'all' } | { kind: 'related'; relations: Array<Exclude<Relation, 'assignee'>> } | { kind: 'none' };

export function listScope<R extends AccessResource>(role: Role, resource: R, action: AccessAction<R>): ListScope {
  const grant = grantsOf(resource, action)[role];
  if (!grant) return { kind: 'none' };
  if (grant === 'any') return { kind: 'all' };
  const relations = grant.filter((r): r is Exclude<Relation, 'assignee'> => r !== 'assignee');
  return relations.length ? { kind: 'related', relations } : { kind: 'none' };
}

/** The people of an account a principal can stand to, as the read model knows them. */
export interface AccountParties {
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId: string | null;
  /** The owner CSM's managers, nearest first (his manager, that manager's manager, ...). */
  ownerChain: readonly string[];
}

/** How `principalId` stands to an object of an account with `parties`, and to its item owned by `assignees`. */
export function relationsTo(
  principalId: string,
  parties: AccountParties,
  assignees: readonly (string | null | undefined)[] = [],
): Relation[] {
  const out: Relation[] = [];
  if (parties.ownerCsmId === principalId) out.push('owner');
  if (parties.csmManagerId === principalId || parties.ownerChain.includes(principalId)) out.push('team');
  if (parties.salesRepId === principalId) out.push('sales_rep');
  if (assignees.includes(principalId)) out.push('assignee');
  return out;
}
