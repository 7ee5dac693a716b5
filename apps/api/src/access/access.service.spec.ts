import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/api-key-store';
import { ApiError } from '../problems/error-codes';
import { AccessService } from './access.service';

/** The renewal acts' rule (docs/decisions/0012): people by the renewal grants, a connector by its own rule and scope. */
describe('AccessService.requireRenewalAct', () => {
  const access = new AccessService({} as DataSource);
  const principal = (over: Partial<Principal>): Principal => ({
    id: 'x',
    displayName: 'x',
    role: 'integration',
    kind: 'integration',
    managerId: null,
    keyId: 'k',
    scopes: ['signals'],
    ...over,
  });
  const parties = { ownerCsmId: 'csm-1', csmManagerId: 'mgr-1', salesRepId: null, ownerChain: ['mgr-1'] };
  const code = (f: () => unknown): string | null => {
    try {
      f();
      return null;
    } catch (error) {
      return error instanceof ApiError ? error.code : String(error);
    }
  };

  it.each(['launch', 'reschedule', 'decide'] as const)(
    '%s: a connector actor with the renewals scope, not without',
    (action) => {
      const withScope = principal({
        id: 'connector:salesforce',
        connector: 'salesforce',
        scopes: ['signals', 'renewals'],
      });
      const without = principal({ id: 'connector:salesforce', connector: 'salesforce', scopes: ['signals'] });
      expect(code(() => access.requireRenewalAct(withScope, action, parties, 'renewal:acc-1:2027-03-31'))).toBeNull();
      expect(code(() => access.requireRenewalAct(without, action, parties, 'renewal:acc-1:2027-03-31'))).toBe(
        'CONNECTORS.RENEWALS_NOT_GRANTED',
      );
    },
  );

  it.each(['launch', 'reschedule', 'decide'] as const)(
    '%s: an integration key is refused whatever its scopes, unless it is a connector actor',
    (action) => {
      const key = principal({ id: 'int-1', scopes: ['signals', 'renewals'] });
      expect(code(() => access.requireRenewalAct(key, action, parties, 'r'))).toBe('RENEWAL.NOT_YOURS');
    },
  );

  it('people keep their grants: cs_ops launches, the owner CSM decides but does not reschedule, his manager reschedules', () => {
    const ops = principal({ id: 'ops', role: 'cs_ops', kind: 'person', scopes: [] });
    const csm = principal({ id: 'csm-1', role: 'csm', kind: 'person', scopes: [] });
    const mgr = principal({ id: 'mgr-1', role: 'csm_manager', kind: 'person', scopes: [] });
    expect(code(() => access.requireRenewalAct(ops, 'launch', null, 'r'))).toBeNull();
    expect(code(() => access.requireRenewalAct(csm, 'launch', null, 'r'))).toBe('RENEWAL.NOT_YOURS');
    expect(code(() => access.requireRenewalAct(csm, 'decide', parties, 'r'))).toBeNull();
    expect(code(() => access.requireRenewalAct(csm, 'reschedule', parties, 'r'))).toBe('RENEWAL.NOT_YOURS');
    expect(code(() => access.requireRenewalAct(mgr, 'reschedule', parties, 'r'))).toBeNull();
  });
});
