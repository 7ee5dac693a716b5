import { lostRoleSignals, meetingKind, meetingSignal, readRiskFlag, riskFlagSignal } from './crm-activity';

describe('a CRM meeting and risk flag, read the same for HubSpot and Salesforce', () => {
  it.each([
    ['QBR', 'qbr'],
    ['Quarterly Business Review', 'qbr'],
    ['Weekly check-in', 'check_in'],
    ['CHECKIN', 'check_in'],
    ['Onboarding session', 'training'],
    ['Training', 'training'],
    ['Demo', 'other'],
    [undefined, 'other'],
  ])('a meeting of type %p is of the kind %p', (type, kind) => {
    expect(meetingKind(type)).toBe(kind);
  });

  it('a meeting held, cancelled or cancelled to be rescheduled is its signal, of its kind, under its part', () => {
    expect(meetingSignal('held', 'QBR', 'meeting')).toEqual({
      part: 'meeting',
      type: 'meeting_held',
      payload: { meetingKind: 'qbr' },
    });
    expect(meetingSignal('cancelled', null, '')).toEqual({
      part: '',
      type: 'meeting_cancelled',
      payload: { meetingKind: 'other', rescheduled: false },
    });
    expect(meetingSignal('rescheduled', 'Check-in', '')).toMatchObject({ payload: { rescheduled: true } });
  });

  it.each([
    ['At Risk', 'at_risk', 'at_risk'],
    [' critical ', 'critical', 'critical'],
    ['at-risk', 'at_risk', 'at_risk'],
    ['Cleared', 'cleared', 'cleared'],
    ['Maybe', 'maybe', null],
    ['  ', null, null],
    [3, null, null],
  ])('a risk flag %p reads as %p, the level %p', (value, raw, level) => {
    expect(readRiskFlag(value)).toEqual({ raw, level });
  });

  it("a flag level is the CSM's flag with its reason", () => {
    expect(riskFlagSignal('watch', 'usage is slipping', 'flag')).toEqual({
      part: 'flag',
      type: 'csm_flag',
      payload: { level: 'watch', reason: 'usage is slipping' },
    });
  });
});

describe('a contact losing the executive sponsor or champion role', () => {
  const sponsor = { reason: 'role_removed' as const };
  const champion = { who: 'champion (contact 1)', description: 'The champion changed' };
  it.each([
    [{ sponsor: true, champion: true }, ['sponsor_departure', 'stakeholder_change'], ['sponsor', 'champion']],
    [{ sponsor: false, champion: true }, ['stakeholder_change'], ['champion']],
    [{ sponsor: true, champion: false }, ['sponsor_departure'], ['sponsor']],
    [{ sponsor: false, champion: false }, [], []],
  ])('%j: %j', (lost, types, parts) => {
    const signals = lostRoleSignals(lost, sponsor, champion);
    expect(signals.map((s) => s.type)).toEqual(types);
    expect(signals.map((s) => s.part)).toEqual(parts);
    expect(signals.map((s) => s.payload)).toEqual(types.map((t) => (t === 'sponsor_departure' ? sponsor : champion)));
  });
});
