/** The pages' pure rules: the timeline layout, which approval buttons to offer, the metrics periods, the navigation. */
import { milestoneBars, monthTicks, position } from './gantt';
import { mayDecideConcession, pagesFor, quarters } from './format';

// A renewal on 2027-04-01 (T): T-90 = 2027-01-01, T-60 = 2027-01-31, T-30 = 2027-03-02, T-14 = 2027-03-18.
const MILESTONES = [
  { phase: 'assessment', date: '2027-01-01', done: true },
  { phase: 'preparation', date: '2027-01-31', done: true },
  { phase: 'engagement', date: '2027-03-02', done: false },
  { phase: 'closing', date: '2027-03-18', done: false },
  { phase: 'renewal_day', date: '2027-04-01', done: false },
];

describe('renewals timeline layout', () => {
  it.each([
    // 2027-01-11 is 10 days after 2027-01-01: 10 / 100 days = 10%.
    ['2027-01-11', '2027-01-01', 100, 10],
    // 2026-12-22 is 10 days before: -10%.
    ['2026-12-22', '2027-01-01', 100, -10],
    // 2027-04-11 is 100 days after (31 + 28 + 31 + 10): the right edge, 100%.
    ['2027-04-11', '2027-01-01', 100, 100],
  ])('places %s in the window from %s of %i days at %d%%', (date, start, days, expected) => {
    expect(position(date, start, days)).toBeCloseTo(expected, 6);
  });

  it('draws the phases between the milestones, clipped to the window', () => {
    // Window 2027-01-31 + 60 days: assessment (before it) is left out; renewal day is the end of closing.
    const bars = milestoneBars(MILESTONES, '2027-01-31', 60);
    expect(bars.map((b) => [b.phase, b.from, b.to, b.done])).toEqual([
      ['preparation', '2027-01-31', '2027-03-02', true],
      ['engagement', '2027-03-02', '2027-03-18', false],
      ['closing', '2027-03-18', '2027-04-01', false],
    ]);
    // preparation: 0 to 30/60 = 50%; engagement 50% + 16/60 = 26.67%; closing from 76.67%, 14/60 = 23.33%.
    expect(bars.map((b) => [Math.round(b.left * 100) / 100, Math.round(b.width * 100) / 100])).toEqual([
      [0, 50],
      [50, 26.67],
      [76.67, 23.33],
    ]);
  });

  it('ticks the first of each month inside the window', () => {
    // From 2027-01-15, 60 days (to 2027-03-16): 2027-02-01 (17 days, 28.33%), 2027-03-01 (45 days, 75%).
    expect(monthTicks('2027-01-15', 60).map((t) => [t.label, Math.round(t.left * 100) / 100])).toEqual([
      ['2027-02', 28.33],
      ['2027-03', 75],
    ]);
  });
});

describe('the approve and reject buttons', () => {
  const pending = { state: 'pending' as const, requestedBy: 'csm-1' };
  it.each([
    // A CSM manager may approve up to csm_manager (the approval matrix's ranks).
    [{ id: 'mgr-1', role: 'csm_manager' as const }, { ...pending, requiredRole: 'csm_manager' as const }, true],
    [{ id: 'mgr-1', role: 'csm_manager' as const }, { ...pending, requiredRole: 'director' as const }, false],
    [{ id: 'vp-1', role: 'vp' as const }, { ...pending, requiredRole: 'director' as const }, true],
    // Nobody decides his own request; a decided concession has no buttons; cs_ops has no authority.
    [{ id: 'csm-1', role: 'csm' as const }, { ...pending, requiredRole: 'csm' as const }, false],
    [
      { id: 'vp-1', role: 'vp' as const },
      { ...pending, state: 'approved' as const, requiredRole: 'csm' as const },
      false,
    ],
    [{ id: 'ops-1', role: 'cs_ops' as const }, { ...pending, requiredRole: 'csm' as const }, false],
  ])('%o deciding %o: %s', (me, c, expected) => {
    expect(mayDecideConcession(me, c)).toBe(expected);
  });
});

describe('metrics periods', () => {
  it('gives the quarters up to today, the current one ending today', () => {
    // 2027-05-20 is in Q2 2027; three quarters back: Q4 2026, Q1 2027, Q2 2027 (to today).
    expect(quarters('2027-05-20', 3)).toEqual([
      { label: '2026 Q4', from: '2026-10-01', to: '2026-12-31' },
      { label: '2027 Q1', from: '2027-01-01', to: '2027-03-31' },
      { label: '2027 Q2', from: '2027-04-01', to: '2027-05-20' },
    ]);
  });
});

describe('the navigation by role', () => {
  const can = (...capabilities: string[]) => capabilities.map((capability) => ({ capability, reach: 'all' as const }));
  it.each([
    // GET /me's capabilities decide: a sales rep reads renewals only; a manager saves, renewals, alerts and metrics.
    [can('renewal.read', 'account.read'), ['my-day', 'renewals']],
    [
      can('save.read', 'renewal.read', 'alert.read', 'metrics.read'),
      ['my-day', 'saves', 'renewals', 'alerts', 'metrics'],
    ],
    [can('policy.read'), ['my-day']],
  ])('with %j shows %j', (capabilities, pages) => {
    expect(pagesFor({ role: 'csm', can: capabilities })).toEqual(pages);
  });
});
