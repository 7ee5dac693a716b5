import { ApiError } from '../problems/error-codes';
import { metricsRequest } from './metrics-request';

const NOW = new Date('2026-12-09T15:00:00Z');
const DIMENSIONS = ['segment', 'csm', 'team', 'policyVersion'] as const;

const problem = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (error instanceof ApiError) return [error.code, error.errors];
    throw error;
  }
  return null;
};

describe('metricsRequest', () => {
  it('defaults to the 12 months to today, ungrouped, unfiltered', () => {
    expect(metricsRequest({}, DIMENSIONS, NOW)).toEqual({
      period: { from: '2025-12-10', to: '2026-12-09' },
      today: '2026-12-09',
      groupBy: [],
      filters: {},
    });
  });

  it('takes the dimensions in order and the filters given', () => {
    expect(
      metricsRequest(
        { from: '2026-01-01', to: '2026-03-31', groupBy: 'team,segment', csmId: 'csm-1', policyVersion: 'v1+custom' },
        DIMENSIONS,
        NOW,
      ),
    ).toEqual({
      period: { from: '2026-01-01', to: '2026-03-31' },
      today: '2026-12-09',
      groupBy: ['team', 'segment'],
      filters: { csmId: 'csm-1', policyVersion: 'v1+custom' },
    });
  });

  it.each<[string, Record<string, string>, string, string]>([
    [
      'an unknown dimension',
      { groupBy: 'segment,colour' },
      'groupBy',
      'groupBy takes segment, csm, team, policyVersion; not "colour"',
    ],
    ['a dimension twice', { groupBy: 'csm,csm' }, 'groupBy', 'groupBy names a dimension twice'],
    ['four dimensions', { groupBy: 'segment,csm,team,policyVersion' }, 'groupBy', 'groupBy takes at most 3 dimensions'],
    [
      'an empty dimension',
      { groupBy: 'segment,' },
      'groupBy',
      'groupBy takes segment, csm, team, policyVersion; not ""',
    ],
    ['to before from', { from: '2026-03-01', to: '2026-02-01' }, 'to', 'to must not be before from'],
    ['more than 36 months', { from: '2020-01-01', to: '2026-01-01' }, 'to', 'the period spans at most 36 months'],
  ])('refuses %s with a 400 naming the parameter', (_what, q, field, message) => {
    expect(problem(() => metricsRequest(q, DIMENSIONS, NOW))).toEqual(['VALIDATION.FAILED', [{ field, message }]]);
  });
});
