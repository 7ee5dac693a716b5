import { ROLES, type Role } from '../roles';
import {
  ACCESS,
  listScope,
  permits,
  relationsTo,
  rolesFor,
  type AccessAction,
  type AccessResource,
  type Relation,
} from './access-policy';

const parties = {
  ownerCsmId: 'csm-a1',
  csmManagerId: 'mgr-a',
  salesRepId: 'ae-a',
  ownerChain: ['mgr-a', 'dir-z', 'vp-z'],
};

describe("relationsTo: how a person stands to an account's object", () => {
  it.each<[string, readonly string[], Relation[]]>([
    ['csm-a1', [], ['owner']],
    ['mgr-a', [], ['team']],
    ['dir-z', [], ['team']],
    ['vp-z', [], ['team']],
    ['ae-a', [], ['sales_rep']],
    ['csm-a2', [], []],
    ['csm-a2', ['csm-a2'], ['assignee']],
    ['csm-a1', ['csm-a1'], ['owner', 'assignee']],
  ])('%s (item owners %j) -> %j', (who, assignees, expected) => {
    expect(relationsTo(who, parties, assignees)).toEqual(expected);
  });

  it("an account CSM manager outside the owner's chain is still on the team", () => {
    expect(relationsTo('mgr-x', { ...parties, csmManagerId: 'mgr-x', ownerChain: ['mgr-a'] })).toEqual(['team']);
  });
});

describe('permits: role and relation', () => {
  type Row = [Role, Relation[], AccessResource, string, boolean];
  it.each<Row>([
    // a CSM reads and works his own account's save, not another's
    ['csm', ['owner'], 'save', 'read', true],
    ['csm', [], 'save', 'read', false],
    ['csm', ['team'], 'save', 'work', false],
    // a manager his team's only; directors and VPs everything
    ['csm_manager', ['team'], 'save', 'read', true],
    ['csm_manager', [], 'save', 'read', false],
    ['director', [], 'save', 'read', true],
    ['vp', [], 'renewal', 'read', true],
    // starting a save: the owner, his chain, cs_ops; a director outside the chain may not
    ['director', [], 'save', 'start', false],
    ['director', ['team'], 'save', 'start', true],
    ['cs_ops', [], 'save', 'start', true],
    ['csm', [], 'save', 'start', false],
    ['sales_rep', ['sales_rep'], 'save', 'start', false],
    // cs_ops reads everything but does not work a save
    ['cs_ops', [], 'save', 'read', true],
    ['cs_ops', [], 'save', 'work', false],
    // re-triage and the probability override, and the graceful exit: as for the work (no manager required)
    ['csm', ['owner'], 'save', 'triage', true],
    ['csm', [], 'save', 'triage', false],
    ['csm_manager', ['team'], 'save', 'triage', true],
    ['director', [], 'save', 'triage', true],
    ['cs_ops', [], 'save', 'triage', false],
    ['sales_rep', ['sales_rep'], 'save', 'triage', false],
    ['csm', ['owner'], 'save', 'gracefulExit', true],
    ['csm_manager', [], 'save', 'gracefulExit', false],
    ['vp', [], 'save', 'gracefulExit', true],
    ['cs_ops', [], 'save', 'gracefulExit', false],
    // sales reps read their accounts' renewals and decide them
    ['sales_rep', ['sales_rep'], 'renewal', 'read', true],
    ['sales_rep', [], 'renewal', 'read', false],
    ['sales_rep', ['sales_rep'], 'renewal', 'decide', true],
    // a task or promise owner acts on his item, not on the rest
    ['csm', ['assignee'], 'renewal', 'completeTask', true],
    ['csm', ['assignee'], 'renewal', 'decide', false],
    ['product', ['assignee'], 'planItem', 'progress', true],
    ['product', [], 'planItem', 'progress', false],
    ['sales_rep', ['assignee'], 'monitoring', 'recordPromise', true],
    ['sales_rep', ['assignee'], 'monitoring', 'completeTask', false],
    // account facts: cs_ops only
    ['cs_ops', [], 'account', 'changeFacts', true],
    ['csm_manager', ['team'], 'account', 'changeFacts', false],
    ['director', [], 'account', 'changeFacts', false],
    // the audit log: directors and VPs
    ['director', [], 'audit', 'read', true],
    ['csm_manager', ['team'], 'audit', 'read', false],
    // metrics: a CSM his book, a manager his own and his team's, directors, VPs and cs_ops all; nobody else
    ['csm', ['owner'], 'metrics', 'read', true],
    ['csm', ['team'], 'metrics', 'read', false],
    ['csm_manager', ['owner'], 'metrics', 'read', true],
    ['csm_manager', ['team'], 'metrics', 'read', true],
    ['csm_manager', [], 'metrics', 'read', false],
    ['director', [], 'metrics', 'read', true],
    ['cs_ops', [], 'metrics', 'read', true],
    ['sales_rep', ['sales_rep'], 'metrics', 'read', false],
    ['product', [], 'metrics', 'read', false],
    ['integration', [], 'metrics', 'read', false],
    // one's own notifications and contacts: every person, whatever his relations; no integration
    ['product', [], 'notification', 'read', true],
    ['sales_rep', [], 'notification', 'markRead', true],
    ['csm', [], 'contacts', 'change', true],
    ['integration', [], 'notification', 'read', false],
    ['integration', [], 'contacts', 'change', false],
    // integrations post events and nothing else
    ['integration', [], 'event', 'ingest', true],
    ['integration', ['owner'], 'renewal', 'read', false],
    // a connector acts on renewals by its own rule (with the opt-in and the renewals scope), never by the REST grants
    ['integration', [], 'connector', 'actOnRenewals', true],
    ['integration', [], 'renewal', 'launch', false],
    ['integration', ['owner', 'team'], 'renewal', 'reschedule', false],
    ['integration', ['owner', 'sales_rep'], 'renewal', 'decide', false],
    ['cs_ops', [], 'connector', 'actOnRenewals', false],
  ])('%s %j %s.%s -> %s', (role, relations, resource, action, expected) => {
    expect(permits(role, relations, resource, action as AccessAction)).toBe(expected);
  });

  it('names only real roles and relations, and every action admits someone', () => {
    for (const [resource, actions] of Object.entries(ACCESS)) {
      for (const [action, grants] of Object.entries(actions)) {
        expect([resource, action, Object.keys(grants).length > 0]).toEqual([resource, action, true]);
        for (const [role, grant] of Object.entries(grants)) {
          expect(ROLES).toContain(role);
          if (grant !== 'any')
            expect(
              (grant as readonly string[]).every((r) => ['owner', 'team', 'sales_rep', 'assignee'].includes(r)),
            ).toBe(true);
        }
      }
    }
  });

  it('rolesFor lists the roles a route admits', () => {
    expect(rolesFor('save', 'start').sort()).toEqual(['cs_ops', 'csm', 'csm_manager', 'director', 'vp']);
    expect(rolesFor('audit', 'read').sort()).toEqual(['director', 'vp']);
    expect(() => rolesFor('save', 'fly' as never)).toThrow(RangeError);
  });
});

describe('listScope: what a list shows', () => {
  it.each<[Role, AccessResource, string, ReturnType<typeof listScope>]>([
    ['csm', 'save', 'read', { kind: 'related', relations: ['owner'] }],
    ['csm_manager', 'renewal', 'read', { kind: 'related', relations: ['team'] }],
    ['sales_rep', 'renewal', 'read', { kind: 'related', relations: ['sales_rep'] }],
    ['director', 'alert', 'read', { kind: 'all' }],
    ['product', 'renewal', 'read', { kind: 'all' }],
    ['product', 'save', 'read', { kind: 'none' }],
    ['product', 'planItem', 'progress', { kind: 'none' }],
    ['csm', 'metrics', 'read', { kind: 'related', relations: ['owner'] }],
    ['csm_manager', 'metrics', 'read', { kind: 'related', relations: ['owner', 'team'] }],
    ['vp', 'metrics', 'read', { kind: 'all' }],
    ['sales_rep', 'metrics', 'read', { kind: 'none' }],
  ])('%s %s.%s -> %j', (role, resource, action, expected) => {
    expect(listScope(role, resource, action as AccessAction)).toEqual(expected);
  });
});
