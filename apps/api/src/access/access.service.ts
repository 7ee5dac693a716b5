import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  listScope,
  permits,
  relationsTo,
  type AccessAction,
  type AccessResource,
  type AccountParties,
  type Relation,
} from '@retain/domain';
import type { AccountScope } from '@retain/persistence';
import type { Principal } from '../auth/api-key-store';
import { ApiError, type ErrorCode } from '../problems/error-codes';
import {
  accountScope,
  readAccountParties,
  readManagementChain,
  readTeamBelow,
  type AccountPartiesRow,
  type ListReader,
} from './access.sql';

/** An object's row with who stands to its account (null when Retain does not know the account). */
export type WithParties<T> = T & { parties: AccountPartiesRow | null };

/** The refusal each kind of object answers when the caller does not stand to it. */
const NOT_YOURS: Record<AccessResource, ErrorCode> = {
  self: 'AUTH.FORBIDDEN',
  account: 'ACCOUNT.NOT_YOURS',
  renewal: 'RENEWAL.NOT_YOURS',
  save: 'SAVE.NOT_YOURS',
  planItem: 'SAVE.NOT_YOURS',
  concession: 'SAVE.NOT_YOURS',
  monitoring: 'MONITORING.NOT_YOURS',
  winBack: 'WIN_BACK.NOT_YOURS',
  alert: 'ALERT.NOT_YOURS',
  audit: 'AUTH.FORBIDDEN',
  policy: 'AUTH.FORBIDDEN',
  backtest: 'AUTH.FORBIDDEN',
  metrics: 'AUTH.FORBIDDEN',
  notification: 'NOTIFICATION.NOT_FOUND',
  contacts: 'AUTH.FORBIDDEN',
  event: 'AUTH.FORBIDDEN',
  connector: 'AUTH.FORBIDDEN',
};

/**
 * The one place services ask whether a caller may act (docs/access.md): the rules are
 * the domain's access table; the facts (who owns, manages or sells to an account, and
 * the management chains) come from the read model.
 */
@Injectable()
export class AccessService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Who stands to an account; null when Retain does not know it. */
  parties(accountId: string): Promise<AccountPartiesRow | null> {
    return readAccountParties(this.db, accountId);
  }

  /**
   * An object's row with who stands to its account; null when there is no row. Every
   * read of one object an action is checked against goes through here.
   */
  async withParties<T extends { accountId: string }>(row: T | null): Promise<WithParties<T> | null> {
    return row ? { ...row, parties: await this.parties(row.accountId) } : null;
  }

  chainOf(principalId: string): Promise<string[]> {
    return readManagementChain(this.db, principalId);
  }

  /**
   * The caller's relations to an object of the account with `parties` (and to its item
   * owned by `assignees`); refuses with the object's NOT_YOURS code when the rule does
   * not admit them. An object whose account is unknown admits only `any` grants.
   */
  require<R extends AccessResource>(
    p: Principal,
    resource: R,
    action: AccessAction<R>,
    parties: AccountParties | null,
    what: string,
    assignees: ReadonlyArray<string | null | undefined> = [],
  ): Relation[] {
    const relations = parties ? relationsTo(p.id, parties, assignees) : [];
    if (!permits(p.role, relations, resource, action)) {
      throw new ApiError(NOT_YOURS[resource], `${p.id} (${p.role}) may not ${humanise(action)} ${what}`);
    }
    return relations;
  }

  /**
   * Launch, reschedule and decide (docs/decisions/0012): a person by the `renewal.*` grant
   * and his relation, as `require`; a connector actor (`p.connector`) by
   * `connector.actOnRenewals` and the `renewals` scope of the secret that verified its
   * vendor event, and by nothing else.
   */
  requireRenewalAct(
    p: Principal,
    action: 'launch' | 'reschedule' | 'decide',
    parties: AccountParties | null,
    what: string,
  ): Relation[] {
    if (p.connector === undefined) return this.require(p, 'renewal', action, parties, what);
    if (!permits(p.role, [], 'connector', 'actOnRenewals') || !p.scopes.includes('renewals'))
      throw new ApiError(
        'CONNECTORS.RENEWALS_NOT_GRANTED',
        `${p.id} may not ${action} ${what}: its connector secret does not hold the renewals scope`,
      );
    return [];
  }

  /** Whether the caller may, without refusing. */
  may<R extends AccessResource>(
    p: Principal,
    resource: R,
    action: AccessAction<R>,
    parties: AccountParties | null,
    assignees: ReadonlyArray<string | null | undefined> = [],
  ): boolean {
    return permits(p.role, parties ? relationsTo(p.id, parties, assignees) : [], resource, action);
  }

  /** Who reads a list of `resource`: with the people below him when his scope is his team. */
  async reader<R extends AccessResource>(p: Principal, resource: R, action: AccessAction<R>): Promise<ListReader> {
    const scope = listScope(p.role, resource, action);
    return scope.kind === 'related' && scope.relations.includes('team')
      ? { id: p.id, team: await readTeamBelow(this.db, p.id) }
      : { id: p.id };
  }

  /** What a list shows the caller: the rows whose account he may see (the table modules' list functions take it). */
  async listScope<R extends AccessResource>(p: Principal, resource: R, action: AccessAction<R>): Promise<AccountScope> {
    return accountScope(p.role, resource, action, await this.reader(p, resource, action));
  }
}

function humanise(action: string): string {
  return action.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}
