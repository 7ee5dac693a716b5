/**
 * The pages' pure rules: the timeline layout, which approval buttons to offer, the metrics
 * periods, the navigation, which first-run forms to offer and what they send.
 */
import { grantedCapabilities } from '../../../../libs/domain/src/access/capabilities';
import type { Role } from '../../../../libs/domain/src/roles';
import { milestoneBars, monthTicks, position } from './gantt';
import { mayDecideConcession, mayOn, pagesFor, quarters } from './format';
import { fieldMessages, launchBody, planItemBody, retriageBody, retriageFormOf, saveStartBody } from './forms';

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

describe('which first-run forms the pages offer (GET /me and the relation to the account)', () => {
  /** A caller as GET /me answers him: `can` is the domain's own grants of his role. */
  const me = (id: string, role: Role, reports: string[] = []) => ({
    id,
    role,
    reports,
    can: grantedCapabilities(role),
  });
  const account = { ownerCsmId: 'csm-1', csmManagerId: 'mgr-1', salesRepId: 'ae-1' };
  it.each([
    // Launch: cs_ops only (docs/access.md "renewal: launch"); no account involved.
    ['ops-1', 'cs_ops', [], 'renewal.launch', null, true],
    ['mgr-1', 'csm_manager', [], 'renewal.launch', null, false],
    ['ae-1', 'sales_rep', [], 'renewal.launch', null, false],
    // Start a save: cs_ops any; the owner; the account's CSM manager; a director only above the owner.
    ['ops-1', 'cs_ops', [], 'save.start', account, true],
    ['csm-1', 'csm', [], 'save.start', account, true],
    ['csm-2', 'csm', [], 'save.start', account, false],
    ['mgr-1', 'csm_manager', [], 'save.start', account, true],
    ['mgr-2', 'csm_manager', [], 'save.start', account, false],
    ['dir-1', 'director', ['mgr-9', 'csm-1'], 'save.start', account, true],
    ['dir-2', 'director', ['mgr-9'], 'save.start', account, false],
    ['ae-1', 'sales_rep', [], 'save.start', account, false],
    // A related grant with the account's people not known yet offers nothing.
    ['mgr-1', 'csm_manager', [], 'save.start', null, false],
    // Re-triage and plan items are the save's work: cs_ops reads saves but does neither.
    ['mgr-1', 'csm_manager', [], 'save.triage', account, true],
    ['mgr-1', 'csm_manager', [], 'save.work', account, true],
    ['mgr-2', 'csm_manager', ['csm-1'], 'save.work', account, true],
    ['mgr-2', 'csm_manager', [], 'save.triage', account, false],
    ['ops-1', 'cs_ops', [], 'save.triage', account, false],
    ['ops-1', 'cs_ops', [], 'save.work', account, false],
    ['dir-2', 'director', [], 'save.triage', account, true],
  ] as const)('%s (%s, managing %j) may %s on %j: %s', (id, role, reports, capability, people, expected) => {
    expect(mayOn(me(id, role, [...reports]), capability, people)).toBe(expected);
  });

  it("offers a plan item's progress to its own owner (a product engineer), not to another", () => {
    expect(mayOn(me('pm-1', 'product'), 'planItem.progress', account, ['pm-1'])).toBe(true);
    expect(mayOn(me('pm-2', 'product'), 'planItem.progress', account, ['pm-1'])).toBe(false);
  });

  it('offers nothing without GET /me', () => {
    expect(mayOn(null, 'renewal.launch', null)).toBe(false);
  });
});

describe('what the first-run forms send', () => {
  it('launches with the ARR in cents and leaves out the people not given', () => {
    const form = {
      accountId: ' acc-7 ',
      name: 'Acme KK',
      arrDollars: '120000',
      segment: 'enterprise',
      timeZone: 'Asia/Tokyo',
      ownerCsmId: 'u-csm-7',
      csmManagerId: '',
      salesRepId: ' ',
      renewalDate: '2027-03-31',
    };
    expect(launchBody(form)).toEqual({
      account: {
        id: 'acc-7',
        name: 'Acme KK',
        arrCents: 12_000_000,
        segment: 'enterprise',
        timeZone: 'Asia/Tokyo',
        ownerCsmId: 'u-csm-7',
      },
      renewalDate: '2027-03-31',
    });
    expect(launchBody({ ...form, csmManagerId: 'u-mgr-2', arrDollars: '99.995' }).account).toMatchObject({
      csmManagerId: 'u-mgr-2',
      arrCents: 10_000,
    });
    // What is no number goes as typed, for the api to name.
    expect(launchBody({ ...form, arrDollars: 'lots' }).account).toMatchObject({ arrCents: 'lots' });
  });

  it('starts a save with the reasons one a line, the facts, and only the flags set', () => {
    const facts = {
      issuesFixable: 'yes',
      relationship: 'strained',
      alternative: 'evaluating',
      budget: 'confirmed',
      stakeholders: 'mixed',
    };
    const flags = { logo: true, reference: false, caseStudy: false, growthPotential: true };
    expect(
      saveStartBody('acc-7', '2027-03-31', {
        triggerReasons: 'competitor evaluation\n\n  usage down 45% ',
        facts,
        rootCause: 'product_fit',
        budgetRelated: false,
        strategicFlags: flags,
      }),
    ).toEqual({
      accountId: 'acc-7',
      renewalDate: '2027-03-31',
      triggerReasons: ['competitor evaluation', 'usage down 45%'],
      facts,
      rootCause: 'product_fit',
      strategicFlags: { logo: true, growthPotential: true },
    });
  });

  it('re-triages with only the facts and flags that changed, and nothing when none did', () => {
    const current = {
      facts: {
        issuesFixable: 'yes',
        relationship: 'good',
        alternative: 'none',
        budget: 'confirmed',
        stakeholders: 'engaged',
      },
      strategicFlags: { logo: true },
    };
    const opened = retriageFormOf(current);
    expect(opened.strategicFlags).toEqual({ logo: true, reference: false, caseStudy: false, growthPotential: false });
    expect(retriageBody(opened, current)).toBeNull();
    expect(retriageBody({ ...opened, reason: 'only a reason' }, current)).toBeNull();
    expect(
      retriageBody(
        {
          facts: { ...opened.facts, alternative: 'committed' },
          strategicFlags: { ...opened.strategicFlags, logo: false, reference: true },
          reason: ' They signed with a rival ',
        },
        current,
      ),
    ).toEqual({
      facts: { alternative: 'committed' },
      strategicFlags: { logo: false, reference: true },
      reason: 'They signed with a rival',
    });
  });

  it('adds a plan item named whole, or from a template with only what is given', () => {
    const toInstant = (local: string) => `${local}:00Z`;
    const whole = {
      template: '',
      issueId: 'issue-1',
      issue: 'Exports time out',
      rootCause: 'Index missing',
      fix: 'Add the index',
      owner: 'u-csm-7',
      dueAt: '2027-02-01T17:00',
      successMetric: 'Exports under a minute',
    };
    expect(planItemBody(whole, toInstant)).toEqual({
      issueId: 'issue-1',
      issue: 'Exports time out',
      rootCause: 'Index missing',
      fix: 'Add the index',
      owner: 'u-csm-7',
      dueAt: '2027-02-01T17:00:00Z',
      successMetric: 'Exports under a minute',
    });
    const empty = { ...whole, issueId: '', issue: '', rootCause: '', fix: '', owner: '', dueAt: '', successMetric: '' };
    expect(planItemBody({ ...empty, template: 'relationship_repair' }, toInstant)).toEqual({
      template: 'relationship_repair',
    });
  });

  it("shows each of the api's field errors under its own field", () => {
    const problem = {
      type: 'about:blank',
      title: 'Validation failed',
      status: 400,
      detail: 'Fix these fields: account.timeZone',
      code: 'VALIDATION.FAILED',
      instance: '/renewals',
      errors: [
        { field: 'account.timeZone', message: 'must be an IANA time zone' },
        { field: 'account.timeZone', message: 'is required' },
        { field: 'renewalDate', message: 'is in the past' },
      ],
    };
    expect(fieldMessages(problem, 'account.timeZone')).toEqual(['must be an IANA time zone', 'is required']);
    expect(fieldMessages(problem, 'account.name')).toEqual([]);
    expect(fieldMessages(undefined, 'renewalDate')).toEqual([]);
  });
});
