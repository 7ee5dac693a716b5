import { metricsCsv, wantsCsv } from './metrics-csv';
import type { MetricsReport } from './metrics-report';

const figure = (numerator: number, denominator: number) => ({
  value: denominator === 0 ? null : numerator / denominator,
  numerator,
  denominator,
});

describe('wantsCsv: the Accept header', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['text/csv', true],
    ['text/csv; charset=utf-8', true],
    ['TEXT/CSV', true],
    ['text/*', true],
    ['application/json, text/csv', false],
    ['text/csv, application/json', true],
    ['application/json;q=0.5, text/csv', true],
    ['text/csv;q=0, application/json', false],
    ['text/csv;q=0.2, */*;q=0.1', true],
    ['image/png', false],
  ])('%j -> %s', (accept, csv) => {
    expect(wantsCsv(accept)).toBe(csv);
  });
});

describe('metricsCsv: one row per group', () => {
  const base = {
    from: '2026-01-01',
    to: '2026-12-31',
    filters: { segment: null, csmId: null, teamId: null, policyVersion: null },
    policyVersion: '2026-12-01.10',
    source: 'rows' as const,
  };

  it('starts with the group key, then each figure as value, numerator, denominator, lists by their first text field', () => {
    const metrics = (n: number, d: number, months: Array<[string, number]>) => ({
      rate: figure(n, d),
      tooHigh: n / (d || 1) > 0.7,
      byMonth: months.map(([month, renewals]) => ({ month, renewals })),
    });
    const report: MetricsReport<ReturnType<typeof metrics>> = {
      ...base,
      groupBy: ['segment', 'csm'],
      total: metrics(3, 4, [
        ['2026-01', 3],
        ['2026-02', 1],
      ]),
      groups: [
        { key: { segment: 'smb', csm: 'csm-1' }, ...metrics(1, 1, [['2026-01', 1]]) },
        // A CSM id a spreadsheet would take for a formula, and a comma: kept as text.
        { key: { segment: 'smb', csm: '=SUM(A1),x' }, ...metrics(2, 3, [['2026-02', 1]]) },
        { key: { segment: 'enterprise', csm: null }, ...metrics(0, 0, []) },
      ],
    };
    expect(metricsCsv(report).split('\r\n')).toEqual([
      'segment,csm,rate.value,rate.numerator,rate.denominator,tooHigh,byMonth.2026-01.renewals,byMonth.2026-02.renewals',
      'smb,csm-1,1,1,1,true,1,',
      `smb,"'=SUM(A1),x",0.6666666666666666,2,3,false,,1`,
      'enterprise,,,0,0,false,,',
      '',
    ]);
  });

  it('without groupBy: the one group, keyed {}', () => {
    const total = { count: figure(5, 1) };
    expect(metricsCsv({ ...base, groupBy: [], total, groups: [{ key: {}, ...total }] })).toBe(
      'count.value,count.numerator,count.denominator\r\n5,5,1\r\n',
    );
  });

  it('with groupBy and no groups: the header alone, from the total', () => {
    const total = { count: figure(0, 0) };
    expect(metricsCsv({ ...base, groupBy: ['segment'], total, groups: [] })).toBe(
      'segment,count.value,count.numerator,count.denominator\r\n',
    );
  });
});
