import { DEFAULT_POLICY, type RetainPolicy } from '../policy/retain-policy';
import { assessSaveProbability, triageSave, type SaveProbabilityFacts } from './save-triage';
import { escalatesAtOnce, planItemTimeBandProblem, probabilityWithTimeLeft } from './time-remaining';

const { timeRemaining: _, ...saveBefore } = DEFAULT_POLICY.save;
/** A policy from before 2026-12-01.8, as a running save carries it: no timeRemaining section. */
const before = { ...DEFAULT_POLICY, save: saveBefore } as unknown as RetainPolicy;
const good: SaveProbabilityFacts = {
  issuesFixable: 'yes',
  relationship: 'good',
  alternative: 'none',
  budget: 'confirmed',
  stakeholders: 'engaged',
};

/** 7 of 10 points, none bad: medium. */
const mid: SaveProbabilityFacts = { ...good, issuesFixable: 'complex', relationship: 'strained', budget: 'uncertain' };

describe('time remaining (§4.5)', () => {
  it.each<[string, SaveProbabilityFacts, 'comprehensive' | 'compressed' | 'emergency', RetainPolicy, string]>([
    ['high, comprehensive', good, 'comprehensive', DEFAULT_POLICY, 'high'],
    ['medium, compressed', mid, 'compressed', DEFAULT_POLICY, 'medium'],
    ['high, emergency, minor issues: stays high', good, 'emergency', DEFAULT_POLICY, 'high'],
    ['high, emergency, complex issues: low', { ...good, issuesFixable: 'complex' }, 'emergency', DEFAULT_POLICY, 'low'],
    ['medium, emergency, complex issues: low', mid, 'emergency', DEFAULT_POLICY, 'low'],
    ['medium, emergency, complex issues, a policy from before: medium', mid, 'emergency', before, 'medium'],
  ])('probability: %s -> %s', (_, facts, band, policy, tier) => {
    const assessed = assessSaveProbability(facts, policy);
    expect(probabilityWithTimeLeft(assessed, facts, band, policy).tier).toBe(tier);
  });

  it('lowers the triage of a save 20 days out, with the reason', () => {
    const now = new Date('2027-03-01T12:00:00Z');
    const subject = {
      facts: mid,
      strategicFlags: {},
      arrCents: 20_000_000,
      rootCause: 'service_experience' as const,
      timeZone: 'UTC',
    };
    const near = triageSave({ ...subject, renewalDate: '2027-03-21' }, 'start', null, now, DEFAULT_POLICY);
    const far = triageSave({ ...subject, renewalDate: '2027-06-21' }, 'start', null, now, DEFAULT_POLICY);
    expect([near.allocation.timeBand, near.probability.tier, near.allocation.effort]).toEqual([
      'emergency',
      'low',
      'light',
    ]);
    expect(near.probability.reasons.at(-1)).toMatch(/emergency/);
    expect([far.allocation.timeBand, far.probability.tier, far.allocation.effort]).toEqual([
      'comprehensive',
      'medium',
      'full',
    ]);
  });

  const now = new Date('2027-03-01T12:00:00Z');
  const inHours = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();
  const issue = (o: Partial<{ dealBreaker: boolean; impact: number; fixable: boolean; quickFix: boolean }>) => ({
    dealBreaker: false,
    impact: 3,
    fixable: true,
    quickFix: false,
    ...o,
  });
  it.each<
    [
      string,
      'comprehensive' | 'compressed' | 'emergency',
      ReturnType<typeof issue> | null,
      number,
      RetainPolicy,
      RegExp | null,
    ]
  >([
    ['comprehensive: any item', 'comprehensive', null, 24 * 30, DEFAULT_POLICY, null],
    ['compressed: a deal-breaker', 'compressed', issue({ dealBreaker: true }), 24 * 20, DEFAULT_POLICY, null],
    ['compressed: an impact-4 issue', 'compressed', issue({ impact: 4 }), 24 * 20, DEFAULT_POLICY, null],
    ['compressed: an impact-3 issue', 'compressed', issue({ impact: 3 }), 24 * 20, DEFAULT_POLICY, /critical issues/],
    ['compressed: no issue named (a relationship step)', 'compressed', null, 24 * 20, DEFAULT_POLICY, null],
    ['emergency: a quick fix within 72 h', 'emergency', issue({ quickFix: true }), 72, DEFAULT_POLICY, null],
    [
      'emergency: a fixable deal-breaker within 72 h',
      'emergency',
      issue({ dealBreaker: true }),
      48,
      DEFAULT_POLICY,
      null,
    ],
    [
      'emergency: a quick fix due in 73 h',
      'emergency',
      issue({ quickFix: true }),
      73,
      DEFAULT_POLICY,
      /within 72 hours/,
    ],
    ['emergency: a slow fix', 'emergency', issue({ impact: 5 }), 24, DEFAULT_POLICY, /fast fixes only/],
    ['emergency: no issue named, within 72 h', 'emergency', null, 24, DEFAULT_POLICY, null],
    ['emergency: no issue named, in a week', 'emergency', null, 24 * 7, DEFAULT_POLICY, /within 72 hours/],
    ['emergency, a policy from before: anything', 'emergency', null, 24 * 20, before, null],
  ])('plan item: %s', (_, band, i, hours, policy, problem) => {
    const found = planItemTimeBandProblem(band, i, inHours(hours), now, policy);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeNull();
  });

  it.each<[string, 'compressed' | 'emergency', number, RetainPolicy, boolean]>([
    ['emergency, $60K', 'emergency', 6_000_000, DEFAULT_POLICY, true],
    ['emergency, $20K (criteria not met)', 'emergency', 2_000_000, DEFAULT_POLICY, false],
    ['compressed, $60K', 'compressed', 6_000_000, DEFAULT_POLICY, false],
    ['emergency, $60K, a policy from before', 'emergency', 6_000_000, before, false],
  ])('executive escalation at once: %s -> %p', (_, band, arr, policy, expected) => {
    expect(escalatesAtOnce(band, arr, {}, policy)).toBe(expected);
  });
});
