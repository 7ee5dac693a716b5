import { median } from './figures';
import {
  histogramMedian,
  histogramOf,
  mergeHistograms,
  negatedHistogram,
  rollupBucketRanges,
  wholeUnits,
} from './rollup';

describe('rollupBucketRanges', () => {
  it.each([
    // A year ending on a day that is not a month's last: 30 days of November, the 11 whole months, one day of the next November.
    [
      { from: '2025-11-02', to: '2026-11-01' },
      [
        { bucket: 'day', from: '2025-11-02', to: '2025-11-30' },
        { bucket: 'month', from: '2025-12-01', to: '2026-10-01' },
        { bucket: 'day', from: '2026-11-01', to: '2026-11-01' },
      ],
    ],
    // Whole months only.
    [{ from: '2026-01-01', to: '2026-03-31' }, [{ bucket: 'month', from: '2026-01-01', to: '2026-03-01' }]],
    // One whole month (February of a leap year), days before it.
    [
      { from: '2024-01-31', to: '2024-02-29' },
      [
        { bucket: 'day', from: '2024-01-31', to: '2024-01-31' },
        { bucket: 'month', from: '2024-02-01', to: '2024-02-01' },
      ],
    ],
    // No whole month: days only, even across a month's end.
    [{ from: '2026-01-15', to: '2026-02-14' }, [{ bucket: 'day', from: '2026-01-15', to: '2026-02-14' }]],
    [{ from: '2026-05-07', to: '2026-05-07' }, [{ bucket: 'day', from: '2026-05-07', to: '2026-05-07' }]],
    // A whole month starting mid-period, days after it.
    [
      { from: '2026-04-01', to: '2026-05-03' },
      [
        { bucket: 'month', from: '2026-04-01', to: '2026-04-01' },
        { bucket: 'day', from: '2026-05-01', to: '2026-05-03' },
      ],
    ],
  ] as const)('%j is read from %j', (period, ranges) => {
    expect(rollupBucketRanges(period)).toEqual(ranges);
  });

  it('covers every day of a period once', () => {
    const days = (from: string, to: string) => {
      const out: string[] = [];
      for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
        out.push(new Date(t).toISOString().slice(0, 10));
      return out;
    };
    for (const period of [
      { from: '2023-12-31', to: '2027-01-01' },
      { from: '2026-02-28', to: '2026-03-01' },
      { from: '2026-03-01', to: '2026-03-30' },
    ]) {
      const covered = rollupBucketRanges(period).flatMap((r) =>
        r.bucket === 'day'
          ? days(r.from, r.to)
          : days(r.from, r.to)
              .filter((d) => d.endsWith('-01'))
              .flatMap((m) => {
                const next = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 1));
                return days(m, new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10));
              }),
      );
      expect(covered).toEqual(days(period.from, period.to));
    }
  });
});

describe('histogramMedian', () => {
  it.each([
    // [values, median]: odd count the middle value, even count the mean of the two middle ones.
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[1, 2, 3, 10], 2.5],
    [[4, 4, 4, 9], 4],
    [[0, 0, 7, 7], 3.5],
    [[-2, 5], 1.5],
  ])('of %j is %p, as median() over the same values', (values, expected) => {
    const h = histogramOf(values);
    expect(histogramMedian(h)).toEqual(median(values));
    expect(histogramMedian(h).value).toBe(expected);
  });

  it('merges deltas: a value counted and taken back is gone', () => {
    const merged = mergeHistograms([{ '3': 2, '8': 1 }, { '8': -1 }, { '1': 1 }]);
    expect(merged).toEqual({ '3': 2, '1': 1 });
    // 1, 3, 3 → 3.
    expect(histogramMedian(merged)).toEqual({ value: 3, numerator: 3, denominator: 3 });
  });

  it('takes a histogram away: a month less the days it holds outside the period', () => {
    // Month {2: 3, 5: 1} less its other days {2: 1, 5: 1} → {2: 2}: 2, 2 → 2 (a median states itself over the count).
    const merged = mergeHistograms([{ '2': 3, '5': 1 }, negatedHistogram({ '2': 1, '5': 1 })]);
    expect(merged).toEqual({ '2': 2 });
    expect(histogramMedian(merged)).toEqual({ value: 2, numerator: 2, denominator: 2 });
    expect(negatedHistogram({})).toEqual({});
  });

  it('refuses a negative count (a rollup that lost track)', () => {
    expect(() => histogramMedian({ '3': -1 })).toThrow('histogram count -1 at 3');
  });

  it('whole units round down', () => {
    // 5,399,999 ms is 1 h 29 m 59.999 s: 1 whole hour.
    expect(wholeUnits(5_399_999, 3_600_000)).toBe(1);
    expect(wholeUnits(3_600_000, 3_600_000)).toBe(1);
    expect(wholeUnits(-1, 3_600_000)).toBe(-1);
  });
});
