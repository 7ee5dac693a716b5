import { DEFAULT_POLICY } from '../policy/retain-policy';
import { saveDerivedParts, type SaveDerivedInputs } from './save-derived';

const now = new Date('2026-12-10T12:00:00.000Z');
const before = '2026-12-09T12:00:00.000Z';
const after = '2026-12-20T12:00:00.000Z';

function aSave(over: Partial<SaveDerivedInputs> = {}): SaveDerivedInputs {
  return {
    planItems: [],
    triage: { rootCause: 'service_experience', allocation: { probabilityTier: 'medium', hoursPlanned: 40 } },
    facts: {
      issuesFixable: 'yes',
      relationship: 'good',
      alternative: 'none',
      budget: 'confirmed',
      stakeholders: 'engaged',
    },
    decisionFinal: false,
    account: { arrCents: 10_000_000 },
    conversations: [],
    ...over,
  };
}

describe('a save’s derived parts as of now', () => {
  it('counts the plan as of `now`: 2 of 4 done or verified is 50%, the open item past its due date is overdue', () => {
    const d = saveDerivedParts(
      aSave({
        planItems: [
          { state: 'done', dueAt: before },
          { state: 'verified_by_customer', dueAt: before },
          { state: 'in_progress', dueAt: before },
          { state: 'blocked', dueAt: after },
        ],
      }),
      DEFAULT_POLICY,
      now,
    );
    expect(d.planCompletion).toEqual({
      total: 4,
      inProgress: 1,
      blocked: 1,
      done: 1,
      verifiedByCustomer: 1,
      overdue: 1,
      completedPct: 50,
    });
    // The same plan a day earlier: the in-progress item is not due yet.
    expect(
      saveDerivedParts(
        aSave({ planItems: [{ state: 'in_progress', dueAt: before }] }),
        DEFAULT_POLICY,
        new Date('2026-12-08T12:00:00.000Z'),
      ).planCompletion.overdue,
    ).toBe(0);
  });

  it.each<[string, Partial<SaveDerivedInputs>, 'low' | 'medium' | 'high', boolean, string[], boolean]>([
    ['a medium-probability save still open', {}, 'medium', false, [], false],
    [
      'a low-probability save whose customer committed to a competitor and refused a conversation',
      {
        triage: { rootCause: 'service_experience', allocation: { probabilityTier: 'low', hoursPlanned: 40 } },
        facts: {
          issuesFixable: 'yes',
          relationship: 'good',
          alternative: 'committed',
          budget: 'confirmed',
          stakeholders: 'engaged',
        },
        conversations: [{ refused: true }, { refused: false }],
      },
      'high',
      true,
      ['signed with or committed to a competitor', 'refuses save conversations'],
      true,
    ],
    [
      'a high-probability save whose customer says the decision is final',
      {
        triage: { rootCause: 'service_experience', allocation: { probabilityTier: 'high', hoursPlanned: 40 } },
        decisionFinal: true,
      },
      'low',
      true,
      ['the customer says the decision is final'],
      false,
    ],
  ])(
    '%s: guidance at %s risk, discount too late %s; lost-cause signs %j, stop suggested %s',
    (_, over, risk, tooLate, signs, stop) => {
      const d = saveDerivedParts(aSave(over), DEFAULT_POLICY, now);
      expect(d.concessionGuidance).toMatchObject({ risk, discountTooLate: tooLate });
      expect(d.lostCause).toEqual({ signs, suggestStop: stop });
    },
  );
});
