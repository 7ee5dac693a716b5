/** Pure formatting and decision helpers of the pages (no DOM, no clock: `now` is an argument). */
import {
  permits,
  relationsTo,
  type AccessAction,
  type AccessResource,
} from '../../../../libs/domain/src/access/access-policy';
import { hasApprovalAuthority } from '../../../../libs/domain/src/saves/concession-approval';
import type { Concession, Me } from './types';

export function money(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '—';
  const dollars = cents / 100;
  if (Math.abs(dollars) >= 1_000_000) return `$${(dollars / 1_000_000).toFixed(1)}M`;
  if (Math.abs(dollars) >= 1_000) return `$${Math.round(dollars / 1_000)}k`;
  return `$${Math.round(dollars)}`;
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

export function label(s: unknown): string {
  if (s === null || s === undefined || s === '') return '—';
  return (typeof s === 'string' ? s : JSON.stringify(s)).replace(/_/g, ' ');
}

/**
 * Whether to offer `me` the approve and reject buttons of a concession: it is pending,
 * not his own request, and his role carries the authority the approval matrix requires
 * (the domain's rule, the one the api applies; the api decides again, and also refuses
 * the request of someone senior, which the page then shows).
 */
export function mayDecideConcession(
  me: Pick<Me, 'id' | 'role'> | null,
  c: Pick<Concession, 'state' | 'requestedBy' | 'requiredRole'>,
): boolean {
  if (!me || c.state !== 'pending' || c.requestedBy === me.id) return false;
  return hasApprovalAuthority(me.role, c.requiredRole);
}

/** Whether GET /me's `can` grants `capability` (`resource.action` of the access table); false when `can` is absent. */
export function may(me: Pick<Me, 'can'> | null, capability: string): boolean {
  return !!me?.can?.some((c) => c.capability === capability);
}

/** Who stands to an account, as the api shows it (a save's `account`, GET /accounts/{id}). */
export interface AccountPeople {
  ownerCsmId: string;
  csmManagerId: string | null;
  salesRepId?: string | null;
}

/**
 * Whether to offer `me` an action on an object of the account with `people` (and on its
 * item owned by `assignees`): GET /me's `can` must grant the capability; one that reaches
 * only `related` objects also needs his relation to this one, by the access table's own
 * rule (libs/domain/src/access/access-policy.ts: owner, team, sales rep, assignee). The
 * owner's management chain is not on the page, but `me.reports` (everyone below him) says
 * whether he is in it. The api decides every call again; this only keeps a button that
 * would draw a 403 off the page.
 */
export function mayOn(
  me: Pick<Me, 'id' | 'role' | 'can' | 'reports'> | null,
  capability: string,
  people: AccountPeople | null | undefined,
  assignees: ReadonlyArray<string | null | undefined> = [],
): boolean {
  const granted = me?.can?.find((c) => c.capability === capability);
  if (!me || !granted) return false;
  if (granted.reach === 'all') return true;
  if (!people) return false;
  const [resource, action] = capability.split('.') as [AccessResource, string];
  const relations = relationsTo(
    me.id,
    {
      ownerCsmId: people.ownerCsmId,
      csmManagerId: people.csmManagerId,
      salesRepId: people.salesRepId ?? null,
      ownerChain: me.reports?.includes(people.ownerCsmId) ? [me.id] : [],
    },
    assignees,
  );
  return permits(me.role, relations, resource, action as AccessAction<typeof resource>);
}

export type Page = 'my-day' | 'saves' | 'renewals' | 'alerts' | 'metrics';

/** What each page reads first (a capability of GET /me's `can`, from the access table). */
const PAGE_NEEDS: Record<Exclude<Page, 'my-day'>, string> = {
  saves: 'save.read',
  renewals: 'renewal.read',
  alerts: 'alert.read',
  metrics: 'metrics.read',
};

/**
 * The pages of the navigation for the signed-in principal: those whose reads his role may
 * do (GET /me's `can`, the api's own access table: no rule of the app's own); by role
 * when `can` is absent.
 */
export function pagesFor(me: Pick<Me, 'role' | 'can'>): Page[] {
  if (me.can) {
    const can = new Set(me.can.map((c) => c.capability));
    return [
      'my-day',
      ...(Object.keys(PAGE_NEEDS) as Array<keyof typeof PAGE_NEEDS>).filter((p) => can.has(PAGE_NEEDS[p])),
    ];
  }
  switch (me.role) {
    case 'csm':
    case 'csm_manager':
    case 'director':
    case 'vp':
    case 'cs_ops':
      return ['my-day', 'saves', 'renewals', 'alerts', 'metrics'];
    case 'sales_rep':
    case 'product':
      return ['my-day', 'renewals'];
    case 'integration':
      return [];
    default:
      return ['my-day', 'saves', 'renewals', 'alerts', 'metrics'];
  }
}

/** Whether a date (ISO) is before `now` (ms). */
export function isPast(iso: string | null | undefined, now: number): boolean {
  return !!iso && Date.parse(iso) < now;
}

/** Quarter periods ending with the one holding `today` (YYYY-MM-DD), oldest first: the metrics' "over time". */
export function quarters(today: string, count: number): Array<{ label: string; from: string; to: string }> {
  const y = Number(today.slice(0, 4));
  const q = Math.floor((Number(today.slice(5, 7)) - 1) / 3);
  const out: Array<{ label: string; from: string; to: string }> = [];
  for (let i = count - 1; i >= 0; i--) {
    const idx = y * 4 + q - i;
    const year = Math.floor(idx / 4);
    const qq = idx - year * 4;
    const startMonth = qq * 3 + 1;
    const endMonth = startMonth + 2;
    const lastDay = new Date(Date.UTC(year, endMonth, 0)).getUTCDate();
    const mm = (m: number) => String(m).padStart(2, '0');
    const from = `${year}-${mm(startMonth)}-01`;
    const end = `${year}-${mm(endMonth)}-${String(lastDay).padStart(2, '0')}`;
    out.push({ label: `${year} Q${qq + 1}`, from, to: end < today ? end : today });
  }
  return out;
}
