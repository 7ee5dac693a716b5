import { groupByDimensions, groupSetsByDimensions, type DimensionValue } from './grouping';

interface Row {
  id: string;
  segment: string;
  concessions: string[];
  csm: string | null;
}
const rows: Row[] = [
  { id: 'a', segment: 'smb', concessions: ['discount', 'service'], csm: 'csm-2' },
  { id: 'b', segment: 'enterprise', concessions: [], csm: 'csm-1' },
  { id: 'c', segment: 'smb', concessions: ['discount'], csm: null },
  { id: 'd', segment: 'enterprise', concessions: ['service', 'service'], csm: 'csm-1' },
];
const valueOf = (r: Row, d: 'segment' | 'concession' | 'csm'): DimensionValue =>
  d === 'segment' ? r.segment : d === 'concession' ? r.concessions : r.csm;
const ids = (groups: ReturnType<typeof groupByDimensions<Row, 'segment' | 'concession' | 'csm'>>) =>
  groups.map((g) => [g.key, g.rows.map((r) => r.id)]);

describe('groupByDimensions', () => {
  it('without dimensions: one group of every row keyed {}, even of none', () => {
    expect(ids(groupByDimensions(rows, [], valueOf))).toEqual([[{}, ['a', 'b', 'c', 'd']]]);
    expect(groupByDimensions([], [], valueOf)).toEqual([{ key: {}, rows: [] }]);
  });

  it('without rows and with dimensions: no groups', () => {
    expect(groupByDimensions([], ['segment'], valueOf)).toEqual([]);
  });

  it.each<[string, Array<'segment' | 'concession' | 'csm'>, unknown]>([
    [
      'one dimension, groups in key order',
      ['segment'],
      [
        [{ segment: 'enterprise' }, ['b', 'd']],
        [{ segment: 'smb' }, ['a', 'c']],
      ],
    ],
    [
      // a is in discount and service; b (none) in null; d counts once in service despite two.
      'a row with several values is in each group, a row with none in null',
      ['concession'],
      [
        [{ concession: 'discount' }, ['a', 'c']],
        [{ concession: 'service' }, ['a', 'd']],
        [{ concession: null }, ['b']],
      ],
    ],
    [
      'two dimensions: the combinations that occur, null last',
      ['segment', 'csm'],
      [
        [{ segment: 'enterprise', csm: 'csm-1' }, ['b', 'd']],
        [{ segment: 'smb', csm: 'csm-2' }, ['a']],
        [{ segment: 'smb', csm: null }, ['c']],
      ],
    ],
  ])('%s', (_what, dimensions, expected) => {
    expect(ids(groupByDimensions(rows, dimensions, valueOf))).toEqual(expected);
  });
});

describe('groupSetsByDimensions: several sets of rows under the same groups', () => {
  const renewals = [
    { id: 'r1', segment: 'smb' },
    { id: 'r2', segment: 'mid_market' },
  ];
  const sets = { saves: rows, renewals };
  const valueOfSets = {
    saves: (r: Row, d: 'segment') => valueOf(r, d),
    renewals: (r: { segment: string }, _d: 'segment') => r.segment,
  };

  it('puts the groups of the same key together, a set without rows there empty', () => {
    const groups = groupSetsByDimensions(sets, ['segment'], valueOfSets);
    expect(groups.map((g) => [g.key, g.sets.saves.map((r) => r.id), g.sets.renewals.map((r) => r.id)])).toEqual([
      [{ segment: 'enterprise' }, ['b', 'd'], []],
      [{ segment: 'mid_market' }, [], ['r2']],
      [{ segment: 'smb' }, ['a', 'c'], ['r1']],
    ]);
  });

  it('without dimensions: one group of everything, also of nothing', () => {
    expect(
      groupSetsByDimensions(sets, [], valueOfSets).map((g) => [g.key, g.sets.saves.length, g.sets.renewals.length]),
    ).toEqual([[{}, 4, 2]]);
    expect(groupSetsByDimensions({ saves: [] as Row[], renewals: [] }, [], valueOfSets)).toEqual([
      { key: {}, sets: { saves: [], renewals: [] } },
    ]);
  });
});
