import { DEFAULT_POLICY } from '../policy/retain-policy';
import { fastFixItems, prioritiseIssues, type SaveIssue } from './save-issues';

describe('issue prioritisation and fast fixes (§4.6)', () => {
  const issue = (id: string, p: Partial<SaveIssue>): SaveIssue => ({
    id,
    description: id,
    frequency: 1,
    dealBreaker: false,
    fixable: false,
    quickFix: false,
    impact: 1,
    ...p,
  });
  const issues = [
    issue('nice', { fixable: true, impact: 5 }),
    issue('unfixable-breaker', { dealBreaker: true, impact: 5 }),
    issue('breaker-slow', { dealBreaker: true, fixable: true, impact: 5 }),
    issue('breaker-quick', { dealBreaker: true, fixable: true, quickFix: true, impact: 2 }),
    issue('breaker-frequent', { dealBreaker: true, fixable: true, impact: 5, frequency: 9 }),
    issue('breaker-minor', { dealBreaker: true, fixable: true, impact: 1 }),
  ];

  it('puts fixable deal-breakers first, quick fixes and impact leading within them', () => {
    expect(prioritiseIssues(issues).map((i) => i.id)).toEqual([
      'breaker-quick',
      'breaker-frequent',
      'breaker-slow',
      'breaker-minor',
      'unfixable-breaker',
      'nice',
    ]);
  });

  it('makes the top three fixable deal-breakers fast fixes due within 72 hours', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    expect(fastFixItems(issues, now, DEFAULT_POLICY).map((f) => [f.issue.id, f.dueAt])).toEqual([
      ['breaker-quick', '2027-01-04T00:00:00.000Z'],
      ['breaker-frequent', '2027-01-04T00:00:00.000Z'],
      ['breaker-slow', '2027-01-04T00:00:00.000Z'],
    ]);
  });
});
