import { DEFAULT_POLICY, InvalidPolicyError, resolvePolicy, validatePolicy } from './retain-policy';

describe('retain policy', () => {
  it('has the rulebook defaults and they are valid', () => {
    expect(DEFAULT_POLICY.renewal.milestoneOffsetsDays).toEqual({ assessment: 90, preparation: 60, engagement: 30, closing: 14, renewalDay: 0 });
    expect(DEFAULT_POLICY.renewal.actionLocalHour).toBe(9);
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
  });

  it('applies overrides, keeps the rest, and marks the version', () => {
    const p = resolvePolicy({ renewal: { actionLocalHour: 10 } });
    expect(p.renewal.actionLocalHour).toBe(10);
    expect(p.renewal.milestoneOffsetsDays.assessment).toBe(90);
    expect(p.version).toBe(`${DEFAULT_POLICY.version}+custom`);
    expect(resolvePolicy(undefined)).toEqual(DEFAULT_POLICY);
  });

  it('refuses unknown settings, wrong types and broken invariants', () => {
    expect(() => resolvePolicy({ renewal: { actionHour: 10 } })).toThrow(/renewal\.actionHour: unknown policy setting/);
    expect(() => resolvePolicy({ renewal: { actionLocalHour: '9' } })).toThrow(InvalidPolicyError);
    expect(() => resolvePolicy({ renewal: { milestoneOffsetsDays: { preparation: 95 } } })).toThrow(/after the previous one/);
    expect(() => resolvePolicy({ renewal: { actionLocalHour: 24 } })).toThrow(/0-23/);
  });
});
