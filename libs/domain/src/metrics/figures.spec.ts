import { amount, groupRows, median, ratio } from './figures';

describe('figures: every metric with its numerator and denominator', () => {
  it.each([
    [3, 4, 0.75],
    [0, 5, 0],
    [0, 0, null],
    [7, 0, null],
  ])('ratio(%p, %p) is %p', (n, d, value) => {
    expect(ratio(n, d)).toEqual({ value, numerator: n, denominator: d });
  });

  it.each([
    [[], null, 0],
    [[5], 5, 1],
    [[9, 1, 5], 5, 3],
    // even count: the mean of the two middle values, (4 + 6) / 2
    [[10, 4, 6, 1], 5, 4],
  ])('median of %p is %p over %p values', (values, value, count) => {
    expect(median(values)).toEqual({ value, numerator: value ?? 0, denominator: count });
  });

  it('an amount counts itself over 1', () => {
    expect(amount(42)).toEqual({ value: 42, numerator: 42, denominator: 1 });
  });

  it('groups rows by key in first-seen order', () => {
    const groups = groupRows(['b1', 'a1', 'b2'], (r) => r[0]!);
    expect([...groups.entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1']],
    ]);
  });
});
