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
    // Seed 004's response playbooks: their steps' deadlines in hours after the alert (§5.6).
    const due = (ruleId: keyof typeof e.playbooks) =>
      e.playbooks[ruleId]!.map((s) => [s.key, s.dueHours, s.recurring ?? null]);
    expect(due('usage_drop')).toEqual([
      ['investigate', 24, null],
      ['follow_up', 48, null],
      ['weekly_usage_check', 168, { everyDays: 7, forDays: 30 }],
    ]);
    expect(due('sponsor_departure')).toEqual([
      ['assess', 4, null],
      ['internal_coordination', 24, null],
      ['customer_outreach', 48, null],
      ['relationship_reset', 336, null],
      ['weekly_touchpoint', 168, { everyDays: 7, forDays: 90 }],
    ]);
    expect(due('ticket_surge')).toEqual([
      ['ticket_analysis', 24, null],
      ['support_coordination', 48, null],
      ['proactive_outreach', 72, null],
    ]);
    expect(Object.keys(e.playbooks).sort()).toEqual(['sponsor_departure', 'ticket_surge', 'usage_drop']);
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
    // A playbook for a rule without a default one is a code change; a step has the default steps' fields.
    [{ playbooks: { payment_failure: [] } }, /earlyWarning\.playbooks\.payment_failure: unknown policy setting/],
    [{ playbooks: { usage_drop: {} } }, /earlyWarning\.playbooks\.usage_drop: expected a list/],
    [
      { playbooks: { usage_drop: [{ key: 'x', title: 'X' }] } },
      /earlyWarning\.playbooks\.usage_drop\.0\.dueHours: required/,
    ],
    [
      { playbooks: { ticket_surge: [{ key: 'x', title: 'X', dueHours: 1, owner: 'vp' }] } },
      /earlyWarning\.playbooks\.ticket_surge\.0\.owner: unknown policy setting/,
    ],
    [
      { playbooks: { sponsor_departure: [{ key: 'x', title: 'X', dueHours: 1, recurring: { everyDays: 7 } }] } },
      /earlyWarning\.playbooks\.sponsor_departure\.0\.recurring\.forDays: required/,
    ],
    [
      { playbooks: { ticket_surge: [{ key: 'x', title: 'X', dueHours: 0 }] } },
      /earlyWarning\.playbooks\.ticket_surge\[0\]/,
    ],
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
