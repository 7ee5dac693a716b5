import { METRICS_DEFAULTS, isQuarterHours, validateMetricsPolicy, type MetricsPolicy } from './metrics.policy';

const MAX_HOURS = 'metrics.maxEffortHoursPerEntry: hours > 0, in quarter hours';

/** Each row changes the defaults and names the one message that change must give. */
const rejected: Array<[string, (p: MetricsPolicy) => void, string]> = [
  [
    'no hours at all per entry',
    (p) => {
      p.maxEffortHoursPerEntry = 0;
    },
    MAX_HOURS,
  ],
  [
    'negative hours',
    (p) => {
      p.maxEffortHoursPerEntry = -8;
    },
    MAX_HOURS,
  ],
  [
    'a maximum off the quarter hours (10 minutes)',
    (p) => {
      p.maxEffortHoursPerEntry = 8.1;
    },
    MAX_HOURS,
  ],
  [
    'no limit (infinity)',
    (p) => {
      p.maxEffortHoursPerEntry = Infinity;
    },
    MAX_HOURS,
  ],
  [
    'the setting missing',
    (p) => {
      (p as Partial<MetricsPolicy>).maxEffortHoursPerEntry = undefined;
    },
    MAX_HOURS,
  ],
];

describe('policy section metrics', () => {
  it('accepts its defaults: 24 hours an entry', () => {
    expect(METRICS_DEFAULTS.maxEffortHoursPerEntry).toBe(24);
    expect(validateMetricsPolicy(METRICS_DEFAULTS)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(METRICS_DEFAULTS);
    change(p);
    expect(validateMetricsPolicy(p)).toEqual([message]);
  });

  it.each<[unknown, boolean]>([
    [0.25, true],
    [2.5, true],
    [7.75, true],
    [0, false],
    [-0.25, false],
    [0.1, false],
    [1.3, false],
    [NaN, false],
    ['1', false],
    [null, false],
  ])('%p is a positive number of quarter hours: %p', (hours, expected) => {
    expect(isQuarterHours(hours)).toBe(expected);
  });
});
