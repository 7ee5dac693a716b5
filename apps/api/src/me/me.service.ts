import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  concessionDecisionRefusal,
  discountAmountCents,
  listScope,
  roleCapabilities,
  type AccessAction,
  type AccessResource,
  type ApproverRole,
  type Role,
} from '@retain/domain';
import {
  PolicyInForce,
  listDueMonitoringItems,
  listDueRenewalTasks,
  listDueSaveItems,
  listDueWinBackTouchpoints,
  listPendingConcessions,
  type AccountScope,
  type DueItemFilter,
  type DueItemRecord,
  type DueItemsOf,
  type Queryable,
} from '@retain/persistence';
import { AccessService } from '../access/access.service';
import { readRoles, readTeamBelow } from '../access/access.sql';
import type { Principal } from '../auth/api-key-store';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { ApiError } from '../problems/error-codes';
import type {
  DueItemPage,
  DueItemView,
  MeView,
  MyTasksQuery,
  PendingApprovalList,
  PendingApprovalView,
} from './me.dto';

/** The most pending requests one `GET /me/approvals` reads before the approval matrix filters them. */
export const APPROVALS_READ_LIMIT = 1_000;

/** The cursor's key: kind, object id, item id (readDueItems' key). */
const DUE_ITEM_KEY = /^[a-z_]{1,40} \S{1,160} \S{1,100}$/;

type DueItemRead = (db: Queryable, f: DueItemFilter, scope: AccountScope) => Promise<DueItemRecord[]>;

/** Each read model with dated items, the access rule that lists it, and the object's type and path. */
const SOURCES: Array<{
  resource: AccessResource;
  action: string;
  read: DueItemRead;
  objectType: DueItemView['objectType'];
  path: string;
}> = [
  { resource: 'renewal', action: 'read', read: listDueRenewalTasks, objectType: 'renewal', path: '/renewals' },
  { resource: 'save', action: 'read', read: listDueSaveItems, objectType: 'save', path: '/saves' },
  {
    resource: 'monitoring',
    action: 'read',
    read: listDueMonitoringItems,
    objectType: 'monitoring',
    path: '/monitoring',
  },
  { resource: 'winBack', action: 'read', read: listDueWinBackTouchpoints, objectType: 'win_back', path: '/win-backs' },
];

/** Byte-wise, as PostgreSQL's COLLATE "C" orders the keys (they are ASCII). */
const byDueThenKey = (a: DueItemRecord, b: DueItemRecord) =>
  a.dueAt.getTime() - b.dueAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The caller's own views (`/me`, docs/access.md "The caller's own views"): who he is
 * and what his role may do, his dated items across the read models, and the concession
 * requests he may decide. Every rule is the access table's or the approval matrix's.
 */
@Injectable()
export class MeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessService,
    private readonly policies: PolicyInForce,
  ) {}

  async me(p: Principal): Promise<MeView> {
    const [chain, reports, state] = await Promise.all([
      this.access.chainOf(p.id),
      readTeamBelow(this.db, p.id),
      this.policies.state(),
    ]);
    const caps = roleCapabilities(p.role, state.policy);
    return {
      id: p.id,
      displayName: p.displayName,
      role: p.role,
      kind: p.kind,
      managerId: p.managerId,
      managementChain: chain,
      reports: reports.sort(),
      can: caps.can,
      approvals: caps.approvals,
      policyVersion: state.policy.version,
    };
  }

  /** The dated items the caller's scope keeps, soonest due first, one keyset page merged from every read model. */
  async tasks(q: MyTasksQuery, p: Principal, now: Date): Promise<DueItemPage> {
    checkDueBefore(q);
    const limit = q.limit ?? 100;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', DUE_ITEM_KEY]) : undefined;
    const scope = q.scope ?? 'mine';
    const of: DueItemsOf =
      scope === 'mine'
        ? { kind: 'mine', id: p.id }
        : scope === 'team'
          ? { kind: 'team', managerId: p.id, members: await readTeamBelow(this.db, p.id) }
          : { kind: 'all' };
    const f: DueItemFilter = {
      now,
      includeOverdue: q.include === 'overdue',
      of,
      limit,
      ...(q.dueBefore ? { dueBefore: new Date(q.dueBefore) } : {}),
      ...(q.owner ? { ownerCsmId: q.owner } : {}),
      ...(cursor ? { after: { dueAt: cursor[0]!, key: cursor[1]! } } : {}),
    };
    const pages = await Promise.all(
      SOURCES.filter((s) => listScope(p.role, s.resource, s.action as never).kind !== 'none').map(async (s) => {
        const rows = await s.read(
          this.db,
          f,
          await this.access.listScope(p, s.resource, s.action as AccessAction<typeof s.resource>),
        );
        return rows.map((r) => ({ r, s }));
      }),
    );
    const merged = pages.flat().sort((a, b) => byDueThenKey(a.r, b.r));
    const page = merged.slice(0, limit);
    const last = merged.length > limit ? page.at(-1)!.r : undefined;
    return {
      items: page.map(({ r, s }) => ({
        kind: r.kind,
        title: r.title,
        dueAt: r.dueAt.toISOString(),
        overdue: r.overdue,
        objectType: s.objectType,
        objectId: r.objectId,
        itemId: r.itemId,
        accountId: r.accountId,
        accountName: r.accountName,
        ownerId: r.ownerId,
        link: `${s.path}/${encodeURIComponent(r.objectId)}`,
      })),
      nextCursor: last ? encodeCursor([last.dueAt.toISOString(), last.key]) : null,
    };
  }

  /**
   * The pending concession requests the caller may decide now: on a save whose concessions
   * he may decide (the access table), and admitted by the approval matrix's
   * concessionDecisionRefusal, exactly as `POST .../approve` checks it.
   */
  async approvals(p: Principal): Promise<PendingApprovalList> {
    const pending = await listPendingConcessions(
      this.db,
      await this.access.listScope(p, 'concession', 'decide'),
      APPROVALS_READ_LIMIT + 1,
    );
    const truncated = pending.length > APPROVALS_READ_LIMIT;
    const rows = pending.slice(0, APPROVALS_READ_LIMIT);
    const [roles, chain] = await Promise.all([
      readRoles(
        this.db,
        rows.map((r) => r.requestedBy),
      ),
      this.access.chainOf(p.id),
    ]);
    const items: PendingApprovalView[] = rows
      .filter(
        (r) =>
          concessionDecisionRefusal({
            approver: { id: p.id, role: p.role, chain },
            requester: { id: r.requestedBy, role: (roles.get(r.requestedBy) as Role | undefined) ?? null },
            requiredRole: r.requiredRole as ApproverRole,
          }) === null,
      )
      .map((r) => ({
        saveId: r.saveId,
        concessionId: r.concessionId,
        accountId: r.accountId,
        accountName: r.accountName,
        kind: r.type,
        discountPct: r.discountPct,
        amountCents: r.discountPct !== null ? discountAmountCents(r.arrCents, r.discountPct) : null,
        terms: r.terms,
        requiredRole: r.requiredRole,
        awaitingRole: r.awaitingRole,
        slaDueAt: r.slaDueAt,
        requestedBy: r.requestedBy,
        requestedAt: r.requestedAt,
        link: `/saves/${encodeURIComponent(r.saveId)}`,
      }));
    return { items, truncated };
  }
}

/**
 * A `dueBefore` that is not an instant PostgreSQL takes (IsISO8601 admits a few strings
 * Date cannot read, and years PostgreSQL has not, such as 0000) is a 400 naming it.
 */
function checkDueBefore(q: MyTasksQuery): void {
  if (q.dueBefore === undefined) return;
  const at = new Date(q.dueBefore);
  const year = at.getUTCFullYear();
  if (!Number.isFinite(at.getTime()) || year < 1 || year > 9999)
    throw new ApiError('VALIDATION.FAILED', 'dueBefore is not an instant', [
      { field: 'dueBefore', message: 'dueBefore must be an ISO-8601 instant' },
    ]);
}
