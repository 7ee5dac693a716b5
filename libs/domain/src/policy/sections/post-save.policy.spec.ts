import { POST_SAVE_DEFAULTS, validatePostSavePolicy, type PostSavePolicy } from './post-save.policy';

const MONTHS = 'postSave: baseMonths >= 1, extendStepMonths >= 1, maxMonths >= baseMonths, whole months';
const THRESHOLDS =
  'postSave: relapse.healthBelow <= fragileHealthBelow, decline.usageDropPct <= relapse.usageDropPct, decline.healthDropPoints > 0';

/** Each row changes one setting of the defaults and names the one message that change must give. */
const rejected: Array<[string, (p: PostSavePolicy) => void, string]> = [
  [
    'a base of 0 months',
    (p) => {
      p.baseMonths = 0;
    },
    MONTHS,
  ],
  [
    'a fractional base',
    (p) => {
      p.baseMonths = 6.5;
    },
    MONTHS,
  ],
  [
    'extensions of 0 months',
    (p) => {
      p.extendStepMonths = 0;
    },
    MONTHS,
  ],
  [
    'a maximum under the base',
    (p) => {
      p.maxMonths = 5;
    },
    MONTHS,
  ],
  [
    'a fractional maximum',
    (p) => {
      p.maxMonths = 12.5;
    },
    MONTHS,
  ],
  ...(
    [
      'healthCheckEveryDays',
      'trendWeeks',
      'concessionPromiseDueDays',
      'touchpointDueDays',
      'executiveCheckInEveryMonths',
      'executiveCheckInDueDays',
      'continueAsNewEveryChecks',
    ] as const
  ).flatMap((name): Array<[string, (p: PostSavePolicy) => void, string]> => [
    [
      `${name} of 0`,
      (p) => {
        p[name] = 0;
      },
      `postSave.${name}: a whole number >= 1`,
    ],
    [
      `a fractional ${name}`,
      (p) => {
        p[name] = 1.5;
      },
      `postSave.${name}: a whole number >= 1`,
    ],
  ]),
  [
    'a relapse after 0 declining weeks',
    (p) => {
      p.relapse.consecutiveDecliningWeeks = 0;
    },
    'postSave.relapse.consecutiveDecliningWeeks: a whole number >= 1',
  ],
  [
    'a relapse health above the fragile health',
    (p) => {
      p.relapse.healthBelow = 80;
    },
    THRESHOLDS,
  ],
  [
    'a declining usage drop above the relapse drop',
    (p) => {
      p.decline.usageDropPct = 50;
    },
    THRESHOLDS,
  ],
  [
    'a declining health drop of 0 points',
    (p) => {
      p.decline.healthDropPoints = 0;
    },
    THRESHOLDS,
  ],
];

describe('policy section postSave', () => {
  it('accepts its defaults', () => {
    expect(validatePostSavePolicy(POST_SAVE_DEFAULTS)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(POST_SAVE_DEFAULTS);
    change(p);
    expect(validatePostSavePolicy(p)).toEqual([message]);
  });
});
