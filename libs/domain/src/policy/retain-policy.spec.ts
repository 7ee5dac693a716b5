import { DEFAULT_POLICY, InvalidPolicyError, resolvePolicy, validatePolicy } from './retain-policy';

describe('retain policy', () => {
  it('has the rulebook defaults and they are valid', () => {
    expect(DEFAULT_POLICY.renewal.milestoneOffsetsDays).toEqual({
      assessment: 90,
      preparation: 60,
      engagement: 30,
      closing: 14,
      renewalDay: 0,
    });
    expect(DEFAULT_POLICY.renewal.actionLocalHour).toBe(9);
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
  });

  it('applies overrides, keeps the rest, and marks the version', () => {
    const p = resolvePolicy({ renewal: { actionLocalHour: 10 } });
    expect(p.renewal.actionLocalHour).toBe(10);
    expect(p.renewal.milestoneOffsetsDays.assessment).toBe(90);
    expect(p.version).toBe(`${DEFAULT_POLICY.version}+custom`);
    expect(resolvePolicy(undefined)).toEqual(DEFAULT_POLICY);
  });

  it('refuses unknown settings, wrong types and broken invariants', () => {
    expect(() => resolvePolicy({ renewal: { actionHour: 10 } })).toThrow(/renewal\.actionHour: unknown policy setting/);
    expect(() => resolvePolicy({ renewal: { actionLocalHour: '9' } })).toThrow(InvalidPolicyError);
    expect(() => resolvePolicy({ renewal: { milestoneOffsetsDays: { preparation: 95 } } })).toThrow(
      /after the previous one/,
    );
    expect(() => resolvePolicy({ renewal: { actionLocalHour: 24 } })).toThrow(/0-23/);
  });

  it('takes a list only in the shape of the default list, so a malformed list is a policy problem, not a TypeError', () => {
    const item = DEFAULT_POLICY.renewal.playbook[0]!;
    const { title: _title, ...untitled } = item;
    const table: Array<[unknown, RegExp]> = [
      [{ renewal: { playbook: {} } }, /^policy\.renewal\.playbook: expected a list$/],
      [{ renewal: { playbook: null } }, /^policy\.renewal\.playbook: expected a list$/],
      [{ renewal: { playbook: [null] } }, /^policy\.renewal\.playbook\.0: expected an object$/],
      [{ renewal: { playbook: [untitled] } }, /^policy\.renewal\.playbook\.0\.title: required$/],
      [
        { renewal: { playbook: [{ ...item, dueDays: '5' }] } },
        /^policy\.renewal\.playbook\.0\.dueDays: expected a number$/,
      ],
      [
        { renewal: { playbook: [{ ...item, colour: 'red' }] } },
        /^policy\.renewal\.playbook\.0\.colour: unknown policy setting$/,
      ],
      [
        { renewal: { playbook: [{ ...item, onlyFor: 'enterprise' }] } },
        /^policy\.renewal\.playbook\.0\.onlyFor: expected a list$/,
      ],
      [
        { save: { efforts: { none: { people: [{}] } } } },
        /^policy\.save\.efforts\.none\.people\.0: expected a plain value$/,
      ],
      [
        { earlyWarning: { sla: { escalationChain: [1] } } },
        /^policy\.earlyWarning\.sla\.escalationChain\.0: expected a string$/,
      ],
      [{ winBack: { touchpoints: { afterMonths: 3 } } }, /^policy\.winBack\.touchpoints: expected a list$/],
      [{ renewal: { actionLocalHour: null } }, /^policy\.renewal\.actionLocalHour: expected a number$/],
    ];
    for (const [overrides, problem] of table) {
      let thrown: unknown;
      try {
        resolvePolicy(overrides);
      } catch (error) {
        thrown = error;
      }
      expect([overrides, thrown instanceof InvalidPolicyError]).toEqual([overrides, true]);
      expect((thrown as InvalidPolicyError).problems).toEqual([expect.stringMatching(problem)]);
    }
    // A list in the default's shape still replaces the default list.
    expect(resolvePolicy({ renewal: { playbook: [{ ...item, onlyFor: ['enterprise'] }] } }).renewal.playbook).toEqual([
      { ...item, onlyFor: ['enterprise'] },
    ]);
  });

  it('answers every setting given a value of the wrong shape with an InvalidPolicyError, never another error', () => {
    const settings: string[][] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        settings.push([...path, key]);
        walk(value, [...path, key]);
      }
    };
    walk(DEFAULT_POLICY, []);
    const wrong: unknown[] = [{}, [], { a: 1 }, [{}], [null], [1, 'x'], 'x', -1, 1e300, null, true];
    const escaped: string[] = [];
    for (const path of settings) {
      for (const value of wrong) {
        const overrides: Record<string, unknown> = {};
        path.reduce<Record<string, unknown>>(
          (node, key, i) => (node[key] = i === path.length - 1 ? value : {}) as Record<string, unknown>,
          overrides,
        );
        try {
          resolvePolicy(overrides);
        } catch (error) {
          if (!(error instanceof InvalidPolicyError))
            escaped.push(`${path.join('.')}=${JSON.stringify(value)}: ${String(error)}`);
        }
      }
    }
    expect(settings.length).toBeGreaterThan(400);
    expect(escaped).toEqual([]);
  });

  it("lists the sections' messages in their fixed order, the launch window after win-back, the version last", () => {
    const p = structuredClone(DEFAULT_POLICY);
    p.version = '';
    p.earlyWarning.eventLookbackDays = 0;
    p.renewal.launchWindow.maxDaysAhead = 0;
    p.winBack.taskDueDays = 0;
    p.postSave.trendWeeks = 0;
    p.save.approvalSlaHours = 0;
    p.renewal.termMonths = 0;
    p.metrics.forecastMinDecidedPerCategory = 0;
    expect(validatePolicy(p)).toEqual([
      'renewal.termMonths: a whole number >= 1',
      'save.approvalSlaHours: whole hours >= 1',
      'postSave.trendWeeks: a whole number >= 1',
      'winBack: taskDueDays >= 1, finalResponseDays >= 0',
      'renewal.launchWindow: maxDaysAhead >= 1 and maxDaysAfterRenewalDate >= 0, whole days',
      'earlyWarning: eventLookbackDays and maxEventsPerType whole numbers >= 1',
      'metrics.forecastMinDecidedPerCategory: a whole number >= 1',
      'version: a non-empty string',
    ]);
    expect(() => resolvePolicy({ version: '' })).toThrow(new InvalidPolicyError(['version: a non-empty string']));
  });
});
