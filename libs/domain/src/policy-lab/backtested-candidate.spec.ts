import { DEFAULT_POLICY, resolvePolicy, type RetainPolicy } from '../policy/retain-policy';
import type { BacktestPolicies } from './backtest-contract';
import { backtestedCandidateLabel } from './backtested-candidate';
import { sweepCandidates } from './threshold-sweep';

const usage = (smb: number) => ({ earlyWarning: { usage: { activeUsers: { dropPctBySegment: { smb } } } } });
const at = (overrides: Record<string, unknown>) => resolvePolicy(overrides, DEFAULT_POLICY);

// A back-test of one candidate (smb 20) and a sweep of smb over 30, 40 (labels `...smb=30`,
// `...smb=40`); the default smb is 25, in neither.
const SWEEP = { path: 'earlyWarning.usage.activeUsers.dropPctBySegment.smb', from: 30, to: 40, step: 10 };
const POLICIES: BacktestPolicies = {
  current: DEFAULT_POLICY,
  candidates: [
    { label: 'candidate', policy: at({ ...usage(20), version: 'bt-candidate' }) },
    ...sweepCandidates(DEFAULT_POLICY, SWEEP),
  ],
};

describe('backtestedCandidateLabel', () => {
  it.each<[string, RetainPolicy, string | null]>([
    // The same settings under another version: the request's candidate.
    ['the candidate, renamed', at({ ...usage(20), version: 'usage-20' }), 'candidate'],
    // smb 30 is the sweep's first value: its label.
    ['a value of the sweep', at(usage(30)), `${SWEEP.path}=30`],
    // smb 35 was not run (the sweep stepped 30, 40).
    ['a value between the sweep’s', at(usage(35)), null],
    // The candidate's smb 20 with one more change (the alert lead) is another policy.
    ['the candidate and one more change', at({ ...usage(20), metrics: { alertLeadDays: 21 } }), null],
    // The policy in force is what the candidates were set against, not one of them.
    ['the policy in force', DEFAULT_POLICY, null],
    // Key order does not matter: the candidate's settings rebuilt with keys reversed.
    [
      'the candidate with its keys in another order',
      Object.fromEntries(Object.entries(at(usage(20))).reverse()) as unknown as RetainPolicy,
      'candidate',
    ],
  ])('%s', (_name, policy, expected) => {
    expect(backtestedCandidateLabel(POLICIES, policy)).toBe(expected);
  });

  it('compares the stored policy as it comes back from jsonb (through JSON)', () => {
    const stored = JSON.parse(JSON.stringify(POLICIES)) as BacktestPolicies;
    expect(backtestedCandidateLabel(stored, at(usage(20)))).toBe('candidate');
  });
});
