import { DEFAULT_POLICY } from '../policy/retain-policy';
import {
  daysUntilRenewal,
  milestoneMarks,
  renewalMilestones,
  renewalPhaseAt,
  renewalTimeBand,
  type RenewalPhase,
} from './renewal-timeline';

describe('renewal timeline', () => {
  const milestones = renewalMilestones('2027-03-31', 'America/New_York', DEFAULT_POLICY);

  it('counts milestones back from the renewal date at 09:00 local time', () => {
    expect(milestones.map((m) => [m.phase, m.date, m.at.toISOString()])).toEqual([
      ['assessment', '2026-12-31', '2026-12-31T14:00:00.000Z'], // EST
      ['preparation', '2027-01-30', '2027-01-30T14:00:00.000Z'],
      ['engagement', '2027-03-01', '2027-03-01T14:00:00.000Z'],
      ['closing', '2027-03-17', '2027-03-17T13:00:00.000Z'], // EDT after 2027-03-14
      ['renewal_day', '2027-03-31', '2027-03-31T13:00:00.000Z'],
    ]);
  });

  it('gives the phase in force at an instant', () => {
    expect(renewalPhaseAt(milestones, new Date('2026-12-31T13:59:59Z'))).toBe('scheduled');
    expect(renewalPhaseAt(milestones, new Date('2026-12-31T14:00:00Z'))).toBe('assessment');
    expect(renewalPhaseAt(milestones, new Date('2027-03-20T00:00:00Z'))).toBe('closing');
    expect(renewalPhaseAt(milestones, new Date('2027-04-01T00:00:00Z'))).toBe('renewal_day');
  });

  it.each([
    [120, 'comprehensive'],
    [90, 'comprehensive'],
    [89, 'compressed'],
    [30, 'compressed'],
    [29, 'emergency'],
    [0, 'emergency'],
  ] as const)('%i days left is %s', (days, band) => {
    expect(renewalTimeBand(days, DEFAULT_POLICY)).toBe(band);
  });

  it("counts days left on the account's calendar", () => {
    // 23:00 UTC on the 30th is already the 31st in Tokyo.
    expect(daysUntilRenewal('2027-03-31', 'Asia/Tokyo', new Date('2027-03-30T23:00:00Z'))).toBe(0);
    expect(daysUntilRenewal('2027-03-31', 'UTC', new Date('2027-03-30T23:00:00Z'))).toBe(1);
  });
});

describe('late launch and leap days', () => {
  const renewalDate = '2027-06-30';
  const milestones = renewalMilestones(renewalDate, 'UTC', DEFAULT_POLICY);
  const at = (offsetDays: number) => new Date(Date.parse(`${renewalDate}T12:00:00Z`) + offsetDays * 86_400_000);

  it.each([
    [-100, 'scheduled', 'comprehensive'],
    [-90, 'assessment', 'comprehensive'],
    [-75, 'assessment', 'compressed'],
    [-45, 'preparation', 'compressed'],
    [-20, 'engagement', 'emergency'],
    [-10, 'closing', 'emergency'],
    [1, 'renewal_day', 'emergency'],
  ] as const)('launched at T%i the phase in force is %s and the band %s', (offset, phase, band) => {
    const now = at(offset);
    expect(renewalPhaseAt(milestones, now)).toBe(phase);
    expect(renewalTimeBand(daysUntilRenewal(renewalDate, 'UTC', now), DEFAULT_POLICY)).toBe(band);
  });

  it('counts back across a leap day', () => {
    const m = renewalMilestones('2028-05-29', 'UTC', DEFAULT_POLICY);
    expect(m[0]!.date).toBe('2028-02-29');
    expect(renewalMilestones('2028-03-14', 'UTC', DEFAULT_POLICY)[3]!.date).toBe('2028-02-29');
  });
});

describe('milestoneMarks: the milestones a renewals timeline draws', () => {
  // Renewal 2027-03-31, default offsets 90/60/30/14/0 days, action hour 9:00 in New York (EDT, UTC-4 from 2027-03-14).
  // 2027-03-31 - 90 days = 2026-12-31 (EST, 14:00Z); -60 = 2027-01-30 (EST); -30 = 2027-03-01 (EST); -14 = 2027-03-17 (EDT, 13:00Z).
  it.each<[RenewalPhase, boolean[]]>([
    ['scheduled', [false, false, false, false, false]],
    ['assessment', [true, false, false, false, false]],
    ['engagement', [true, true, true, false, false]],
    ['renewal_day', [true, true, true, true, true]],
    ['post_renewal', [true, true, true, true, true]],
  ])('phase %s -> reached %j', (phase, reached) => {
    const marks = milestoneMarks('2027-03-31', 'America/New_York', phase, DEFAULT_POLICY);
    expect(marks.map((m) => m.reached)).toEqual(reached);
    expect(marks.map((m) => [m.phase, m.date, m.daysBefore])).toEqual([
      ['assessment', '2026-12-31', 90],
      ['preparation', '2027-01-30', 60],
      ['engagement', '2027-03-01', 30],
      ['closing', '2027-03-17', 14],
      ['renewal_day', '2027-03-31', 0],
    ]);
    expect(marks[0]!.at.toISOString()).toBe('2026-12-31T14:00:00.000Z');
    expect(marks[3]!.at.toISOString()).toBe('2027-03-17T13:00:00.000Z');
  });
});
