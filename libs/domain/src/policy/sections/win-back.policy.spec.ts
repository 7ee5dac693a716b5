import { WIN_BACK_DEFAULTS, validateWinBackPolicy, type WinBackPolicy } from './win-back.policy';

const TOUCHPOINTS = 'winBack.touchpoints: whole months >= 1, increasing';
const DAYS = 'winBack: taskDueDays >= 1, finalResponseDays >= 0';

/** Each row changes the defaults and names the one message that change must give. */
const rejected: Array<[string, (p: WinBackPolicy) => void, string]> = [
  [
    'no touchpoints',
    (p) => {
      p.touchpoints = [];
    },
    TOUCHPOINTS,
  ],
  [
    'touchpoints missing',
    (p) => {
      (p as any).touchpoints = undefined;
    },
    TOUCHPOINTS,
  ],
  [
    'a touchpoint at month 0',
    (p) => {
      p.touchpoints[0]!.afterMonths = 0;
    },
    TOUCHPOINTS,
  ],
  [
    'a touchpoint at a fractional month',
    (p) => {
      p.touchpoints[1]!.afterMonths = 6.5;
    },
    TOUCHPOINTS,
  ],
  [
    'touchpoints out of order',
    (p) => {
      p.touchpoints[1]!.afterMonths = 2;
    },
    TOUCHPOINTS,
  ],
  [
    'two touchpoints in the same month',
    (p) => {
      p.touchpoints[2]!.afterMonths = 6;
    },
    TOUCHPOINTS,
  ],
  [
    'touchpoint tasks due in 0 days',
    (p) => {
      p.taskDueDays = 0;
    },
    DAYS,
  ],
  [
    'touchpoint tasks due in fractional days',
    (p) => {
      p.taskDueDays = 1.5;
    },
    DAYS,
  ],
  [
    'a negative final response time',
    (p) => {
      p.finalResponseDays = -1;
    },
    DAYS,
  ],
  [
    'a fractional final response time',
    (p) => {
      p.finalResponseDays = 0.5;
    },
    DAYS,
  ],
];

describe('policy section winBack', () => {
  it('accepts its defaults', () => {
    expect(validateWinBackPolicy(WIN_BACK_DEFAULTS)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, message) => {
    const p = structuredClone(WIN_BACK_DEFAULTS);
    change(p);
    expect(validateWinBackPolicy(p)).toEqual([message]);
  });
});
