import { DEFAULT_POLICY } from '../policy/retain-policy';
import { executiveEscalationAllowed } from './executive-escalation';

describe('executive escalation criteria (§4.8)', () => {
  it('allows executive escalation from $50K ARR or with a strategic flag', () => {
    expect(executiveEscalationAllowed(5_000_000, {}, DEFAULT_POLICY)).toBe(true);
    expect(executiveEscalationAllowed(4_999_999, {}, DEFAULT_POLICY)).toBe(false);
    expect(executiveEscalationAllowed(100, { reference: true }, DEFAULT_POLICY)).toBe(true);
  });
});
