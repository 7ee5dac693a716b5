import { RENEWAL_DEFAULTS, validateLaunchWindow, validateRenewalPolicy, type RenewalPolicy } from './renewal.policy';

/** Each row changes one setting of the defaults and names the one message that change must give. */
const rejected: Array<[string, (p: RenewalPolicy) => void, string]> = [
  [
    'a negative milestone offset',
    (p) => {
      p.milestoneOffsetsDays.renewalDay = -1;
    },
    'renewal.milestoneOffsetsDays: whole days >= 0',
  ],
  [
    'a fractional milestone offset',
    (p) => {
      p.milestoneOffsetsDays.closing = 14.5;
    },
    'renewal.milestoneOffsetsDays: whole days >= 0',
  ],
  [
    'a milestone before the previous one',
    (p) => {
      p.milestoneOffsetsDays.preparation = 95;
    },
    'renewal.milestoneOffsetsDays: each milestone must come after the previous one',
  ],
  [
    'two milestones on the same day',
    (p) => {
      p.milestoneOffsetsDays.closing = 30;
    },
    'renewal.milestoneOffsetsDays: each milestone must come after the previous one',
  ],
  [
    'an action hour of 24',
    (p) => {
      p.actionLocalHour = 24;
    },
    'renewal.actionLocalHour: an hour 0-23',
  ],
  [
    'a fractional action hour',
    (p) => {
      p.actionLocalHour = 8.5;
    },
    'renewal.actionLocalHour: an hour 0-23',
  ],
  [
    'a compressed band of 0 days',
    (p) => {
      p.timeBands.compressedMinDays = 0;
    },
    'renewal.timeBands: comprehensiveMinDays > compressedMinDays > 0',
  ],
  [
    'a comprehensive band no longer than the compressed one',
    (p) => {
      p.timeBands.comprehensiveMinDays = 30;
    },
    'renewal.timeBands: comprehensiveMinDays > compressedMinDays > 0',
  ],
  [
    'a percentile above 100',
    (p) => {
      p.classification.healthPercentileWarningBelow = 101;
    },
    'renewal.classification: thresholds are numbers 0-100',
  ],
  [
    'a threshold that is not a number',
    (p) => {
      p.classification.usageDropRiskPct = NaN;
    },
    'renewal.classification: thresholds are numbers 0-100',
  ],
  [
    'a concern threshold under the warning threshold',
    (p) => {
      p.classification.healthScoreConcernBelow = 40;
    },
    'renewal.classification: healthScoreConcernBelow > healthScoreWarningUpTo',
  ],
  [
    'a usage concern above the usage risk',
    (p) => {
      p.classification.usageDropConcernPct = 50;
    },
    'renewal.classification: usageDropConcernPct <= usageDropRiskPct',
  ],
  [
    'red from 0 signal families',
    (p) => {
      p.classification.redMinSignalFamilies = 0;
    },
    'renewal.classification.redMinSignalFamilies: a whole number >= 1',
  ],
  [
    'an unknown ownership model',
    (p) => {
      (p.ownership as any).model = 'whoever';
    },
    'renewal.ownership.model: cs_led, sales_led or hybrid',
  ],
  [
    'a negative hybrid ARR threshold',
    (p) => {
      p.ownership.hybridSalesJoinsFromArrCents = -1;
    },
    'renewal.ownership.hybridSalesJoinsFromArrCents: whole cents >= 0',
  ],
  [
    'a fractional hybrid ARR threshold',
    (p) => {
      p.ownership.hybridSalesJoinsFromArrCents = 0.5;
    },
    'renewal.ownership.hybridSalesJoinsFromArrCents: whole cents >= 0',
  ],
  [
    'an unknown hybrid category',
    (p) => {
      (p.ownership.hybridSalesJoinsCategories as string[]).push('purple');
    },
    'renewal.ownership.hybridSalesJoinsCategories: a list of green, yellow, red, expansion',
  ],
  [
    'hybrid categories that are not a list',
    (p) => {
      (p.ownership as any).hybridSalesJoinsCategories = 'red';
    },
    'renewal.ownership.hybridSalesJoinsCategories: a list of green, yellow, red, expansion',
  ],
  [
    'a task key outside a-z, 0-9 and _',
    (p) => {
      p.playbook[0]!.key = 'Bad Key';
    },
    'renewal.playbook: each task needs a key of a-z, 0-9 and _',
  ],
  [
    'a task without a key',
    (p) => {
      (p.playbook[0] as any).key = undefined;
    },
    'renewal.playbook: each task needs a key of a-z, 0-9 and _',
  ],
  [
    'a task key of 65 characters',
    (p) => {
      p.playbook[0]!.key = 'k'.repeat(65);
    },
    'renewal.playbook: each task needs a key of a-z, 0-9 and _',
  ],
  [
    'a duplicate task key',
    (p) => {
      p.playbook.push({ ...p.playbook[0]! });
    },
    'renewal.playbook: duplicate task key assessment_review',
  ],
  [
    'a task due before its trigger',
    (p) => {
      p.playbook[0]!.dueDays = -1;
    },
    'renewal.playbook.assessment_review: dueDays is a whole number >= 0',
  ],
  [
    'a task due on a fractional day',
    (p) => {
      p.playbook[0]!.dueDays = 1.5;
    },
    'renewal.playbook.assessment_review: dueDays is a whole number >= 0',
  ],
  [
    'a task owned by an unknown role',
    (p) => {
      (p.playbook[0] as any).ownerRole = 'intern';
    },
    'renewal.playbook.assessment_review: unknown ownerRole',
  ],
  [
    'customer outreach at preparation for every category',
    (p) => {
      p.playbook[2]!.customerFacing = true;
    },
    'renewal.playbook.value_metrics: no customer outreach at preparation unless red (domain.md §2)',
  ],
  [
    'customer outreach at preparation for red and more',
    (p) => {
      p.playbook[8]!.onlyFor = ['red', 'yellow'];
    },
    'renewal.playbook.red_customer_outreach: no customer outreach at preparation unless red (domain.md §2)',
  ],
  [
    'a late-task grace of 0 days',
    (p) => {
      p.lateTaskGraceDays = 0;
    },
    'renewal.lateTaskGraceDays: a whole number >= 1',
  ],
  [
    'a re-escalation after 0 days',
    (p) => {
      p.noDecisionReescalateAfterDays = 0;
    },
    'renewal.noDecisionReescalateAfterDays: a whole number >= 1',
  ],
  [
    'a fractional post-renewal window',
    (p) => {
      p.postRenewalWindowDays = 1.5;
    },
    'renewal.postRenewalWindowDays: a whole number >= 1',
  ],
  [
    'a term of 0 months',
    (p) => {
      p.termMonths = 0;
    },
    'renewal.termMonths: a whole number >= 1',
  ],
  [
    'autoLaunchNextTerm that is not a boolean',
    (p) => {
      (p as any).autoLaunchNextTerm = 'yes';
    },
    'renewal.autoLaunchNextTerm: true or false',
  ],
  [
    'autoStartSave that is not a boolean',
    (p) => {
      (p as any).autoStartSave = 1;
    },
    'renewal.autoStartSave: true or false',
  ],
];

const launchWindowRejected: Array<[string, RenewalPolicy['launchWindow'] | undefined]> = [
  ['no launch window', undefined],
  ['a launch window of 0 days ahead', { maxDaysAhead: 0, maxDaysAfterRenewalDate: 0 }],
  ['a fractional launch window', { maxDaysAhead: 10.5, maxDaysAfterRenewalDate: 0 }],
  ['a negative allowance after the renewal date', { maxDaysAhead: 1098, maxDaysAfterRenewalDate: -1 }],
  ['a fractional allowance after the renewal date', { maxDaysAhead: 1098, maxDaysAfterRenewalDate: 0.5 }],
];

describe('policy section renewal', () => {
  it('accepts its defaults', () => {
    expect(validateRenewalPolicy(RENEWAL_DEFAULTS)).toEqual([]);
    expect(validateLaunchWindow(RENEWAL_DEFAULTS.launchWindow)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(RENEWAL_DEFAULTS);
    change(p);
    expect(validateRenewalPolicy(p)).toEqual([message]);
  });

  it.each(launchWindowRejected)('refuses %s', (_what, window) => {
    expect(validateLaunchWindow(window!)).toEqual([
      'renewal.launchWindow: maxDaysAhead >= 1 and maxDaysAfterRenewalDate >= 0, whole days',
    ]);
  });
});
