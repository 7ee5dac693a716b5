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

  it("lists the sections' messages in their fixed order, the launch window after win-back, the version last", () => {
    const p = structuredClone(DEFAULT_POLICY);
    p.version = '';
    p.earlyWarning.eventLookbackDays = 0;
    p.renewal.launchWindow.maxDaysAhead = 0;
    p.winBack.taskDueDays = 0;
    p.postSave.trendWeeks = 0;
    p.save.approvalSlaHours = 0;
    p.renewal.termMonths = 0;
    expect(validatePolicy(p)).toEqual([
      'renewal.termMonths: a whole number >= 1',
      'save.approvalSlaHours: whole hours >= 1',
      'postSave.trendWeeks: a whole number >= 1',
      'winBack: taskDueDays >= 1, finalResponseDays >= 0',
      'renewal.launchWindow: maxDaysAhead >= 1 and maxDaysAfterRenewalDate >= 0, whole days',
      'earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1',
      'version: a non-empty string',
    ]);
    expect(() => resolvePolicy({ version: '' })).toThrow(new InvalidPolicyError(['version: a non-empty string']));
  });
});
