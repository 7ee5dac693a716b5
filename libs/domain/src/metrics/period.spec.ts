import { metricsPeriod, monthsOf } from './period';

const TODAY = '2026-12-09';

describe('metricsPeriod: the dates a metrics request reads', () => {
  it.each<[string, { from?: string; to?: string }, unknown]>([
    // 2026-12-09 less 12 months is 2025-12-09; the day after starts 12 whole months.
    ['nothing: the 12 months to today', {}, { period: { from: '2025-12-10', to: '2026-12-09' } }],
    ['only to: the 12 months to it', { to: '2026-06-30' }, { period: { from: '2025-07-01', to: '2026-06-30' } }],
    ['only from: from it to today', { from: '2026-01-01' }, { period: { from: '2026-01-01', to: '2026-12-09' } }],
    [
      'only a from after today: that one day',
      { from: '2027-03-01' },
      { period: { from: '2027-03-01', to: '2027-03-01' } },
    ],
    ['one day', { from: '2026-05-05', to: '2026-05-05' }, { period: { from: '2026-05-05', to: '2026-05-05' } }],
    // 2024-01-01 + 36 months = 2027-01-01: the last day allowed is 2026-12-31.
    [
      '36 months exactly',
      { from: '2024-01-01', to: '2026-12-31' },
      { period: { from: '2024-01-01', to: '2026-12-31' } },
    ],
    [
      'a day over 36 months',
      { from: '2024-01-01', to: '2027-01-01' },
      { field: 'to', problem: 'the period spans at most 36 months' },
    ],
    [
      'to before from',
      { from: '2026-05-05', to: '2026-05-04' },
      { field: 'to', problem: 'to must not be before from' },
    ],
    [
      'a date that does not exist',
      { from: '2026-02-30' },
      { field: 'from', problem: 'from must be a date YYYY-MM-DD' },
    ],
    ['not a date', { to: 'yesterday' }, { field: 'to', problem: 'to must be a date YYYY-MM-DD' }],
    [
      'a year before 1900',
      { from: '1899-12-31' },
      { field: 'from', problem: 'from must be from 1900-01-01 to 9000-12-31' },
    ],
    ['a year after 9000', { to: '9001-01-01' }, { field: 'to', problem: 'to must be from 1900-01-01 to 9000-12-31' }],
    ['the last day allowed', { from: '9000-12-31' }, { period: { from: '9000-12-31', to: '9000-12-31' } }],
  ])('%s', (_what, q, expected) => {
    expect(metricsPeriod(q, TODAY)).toEqual(expected);
  });
});

describe('monthsOf', () => {
  it.each<[string, string, string[]]>([
    ['2026-01-15', '2026-01-20', ['2026-01']],
    ['2025-11-30', '2026-02-01', ['2025-11', '2025-12', '2026-01', '2026-02']],
  ])('%s..%s', (from, to, months) => {
    expect(monthsOf({ from, to })).toEqual(months);
  });
});
