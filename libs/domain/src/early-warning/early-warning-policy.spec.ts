import { DEFAULT_POLICY, resolvePolicy, validatePolicy } from '../policy/retain-policy';

describe('policy.earlyWarning', () => {
  it('has the docs/rulebook.md §5 defaults and they are valid', () => {
    const e = DEFAULT_POLICY.earlyWarning;
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
    expect(e.usage.activeUsers).toEqual({
      dropPctBySegment: { enterprise: 35, mid_market: 30, smb: 25 },
      baselineDays: 60,
      sustainedDays: 14,
    });
    expect(e.sla.responseHours).toEqual({ P0: 4, P1: 24, P2: 72, P3: 336 });
    expect(e.severity).toMatchObject({
      renewal: { raiseWithinDays: 60, lowerFromDays: 180 },
      arr: { raiseFromCents: 10_000_000, lowerBelowCents: 1_000_000 },
    });
    expect(e.overload).toMatchObject({
      repeatSuppressDays: 7,
      acknowledgeSuppressDays: 7,
      consolidationWindowHours: 24,
      quietHours: { startHour: 20, endHour: 8, exemptSeverities: ['P0'] },
    });
    expect(e.overload.seasonal[0]).toMatchObject({ from: '12-15', to: '01-05', groups: ['usage'] });
    expect(e.delivery).toEqual({
      promptWithinMinutes: 60,
      dailyDigestHour: 9,
      weeklyDigestIsoWeekday: 1,
      weeklyDigestHour: 9,
    });
  });

  it('merges overrides deeply and marks the version', () => {
    const p = resolvePolicy({
      earlyWarning: {
        usage: { activeUsers: { dropPctBySegment: { smb: 20 } } },
        rules: { usage_drop: { escalateAfterHours: 24 } },
      },
    });
    expect(p.earlyWarning.usage.activeUsers.dropPctBySegment).toEqual({ enterprise: 35, mid_market: 30, smb: 20 });
    expect(p.earlyWarning.rules.usage_drop).toEqual({
      enabled: true,
      baseSeverity: 'P1',
      escalateAfterHours: 24,
      worsenedBy: 10,
    });
    expect(p.version).toBe(`${DEFAULT_POLICY.version}+custom`);
  });

  it.each([
    [{ rules: { no_such_rule: { enabled: false } } }, /earlyWarning\.rules\.no_such_rule: unknown policy setting/],
    [{ rules: { usage_drop: { baseSeverity: 'P5' } } }, /earlyWarning\.rules\.usage_drop/],
    [{ usage: { activeUsers: { dropPctBySegment: { smb: 100 } } } }, /activeUsers\.dropPctBySegment\.smb/],
    [{ usage: { sessionMinutes: { sustainedDays: 0 } } }, /usage\.sessionMinutes/],
    [{ health: { criticalUpTo: 70 } }, /criticalUpTo <= lowUpTo/],
    [{ severity: { renewal: { lowerFromDays: 30 } } }, /raiseWithinDays < lowerFromDays/],
    [{ severity: { arr: { lowerBelowCents: 20_000_000 } } }, /lowerBelowCents < raiseFromCents/],
    [{ routing: { P2: { csm: { channels: [] } } } }, /routing\.P2\.csm: the assignee needs at least one channel/],
    [{ routing: { P1: { sales_rep: { channels: ['pager'] } } } }, /routing\.P1\.sales_rep/],
    [{ smsForRules: ['nope'] }, /smsForRules/],
    [{ sla: { responseHours: { P1: 2 } } }, /P0 <= P1 <= P2 <= P3/],
    [{ sla: { escalationChain: ['vp', 'director'] } }, /rising order/],
    [{ overload: { quietHours: { startHour: 24 } } }, /quietHours/],
    [
      {
        overload: {
          seasonal: [{ name: 'x', from: '13-01', to: '01-05', groups: ['usage'], segments: [], verticals: [] }],
        },
      },
      /seasonal\[0\]/,
    ],
    [
      {
        overload: {
          seasonal: [{ name: 'x', from: '02-30', to: '03-05', groups: ['usage'], segments: [], verticals: [] }],
        },
      },
      /seasonal\[0\]/,
    ],
    [{ delivery: { weeklyDigestIsoWeekday: 0 } }, /weeklyDigestIsoWeekday/],
  ])('refuses %j', (earlyWarning, message) => {
    expect(() => resolvePolicy({ earlyWarning })).toThrow(message);
  });

  it('accepts Feb 29 as a seasonal boundary', () => {
    expect(() =>
      resolvePolicy({
        earlyWarning: {
          overload: {
            seasonal: [{ name: 'leap', from: '02-29', to: '03-01', groups: ['usage'], segments: [], verticals: [] }],
          },
        },
      }),
    ).not.toThrow();
  });
});
