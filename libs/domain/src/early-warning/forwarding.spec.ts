import { DEFAULT_POLICY } from '../policy/retain-policy';
import { renewalForwardFromAlert, renewalForwardFromEvent, saveIssueFromAlert } from './forwarding';
import type { TriggeredAlert } from './alert-rules';

const at = '2027-01-01T00:00:00Z';

describe('forwarding early-warning signals to renewals and saves', () => {
  it('maps events to the renewal classification inputs of docs/rulebook.md §3', () => {
    expect(renewalForwardFromEvent({ type: 'health_score', occurredAt: at, payload: { score: 41 } })).toEqual({
      inputs: { healthScore: 41 },
    });
    expect(
      renewalForwardFromEvent({
        type: 'competitor_mention',
        occurredAt: at,
        payload: { competitor: 'X', context: 'question' },
      }),
    ).toEqual({ inputs: { competitiveSignal: true } });
    expect(renewalForwardFromEvent({ type: 'budget_freeze', occurredAt: at, payload: { scope: 'company' } })).toEqual({
      inputs: { budgetSignal: true },
    });
    // Lagging P0 signals (§5.1) reach the renewal as a decisive churn signal.
    expect(
      renewalForwardFromEvent({ type: 'payment_failure', occurredAt: at, payload: { amountCents: 100, attempt: 1 } }),
    ).toEqual({ inputs: { churnSignal: 'payment_failure' } });
    expect(
      renewalForwardFromEvent({ type: 'cancellation_inquiry', occurredAt: at, payload: { channel: 'call' } }),
    ).toEqual({ inputs: { churnSignal: 'cancellation_inquiry' } });
    expect(renewalForwardFromEvent({ type: 'layoffs', occurredAt: at, payload: { sharePct: 10 } })).toEqual({
      inputs: { businessChange: true },
    });
    expect(
      renewalForwardFromEvent({
        type: 'sponsor_departure',
        occurredAt: at,
        payload: { reason: 'departed', contactName: 'Sato' },
      }),
    ).toEqual({ stakeholder: { who: 'executive_sponsor', description: 'Executive sponsor departed: Sato' } });
  });
  it('treats NPS 6 and below, CSAT 2 and below and negative comments as negative sentiment, and ignores the rest', () => {
    expect(renewalForwardFromEvent({ type: 'nps', occurredAt: at, payload: { score: 6 } })).toEqual({
      inputs: { supportSentiment: 'negative' },
    });
    expect(renewalForwardFromEvent({ type: 'nps', occurredAt: at, payload: { score: 7 } })).toBeNull();
    expect(renewalForwardFromEvent({ type: 'csat', occurredAt: at, payload: { score: 2 } })).toEqual({
      inputs: { supportSentiment: 'negative' },
    });
    expect(renewalForwardFromEvent({ type: 'csat', occurredAt: at, payload: { score: 3 } })).toBeNull();
    expect(
      renewalForwardFromEvent({ type: 'champion_contact', occurredAt: at, payload: { channel: 'call' } }),
    ).toBeNull();
  });
  it("passes a usage alert's drop to the renewal and makes any alert a save issue weighted by severity", () => {
    const usage: TriggeredAlert = {
      ruleId: 'usage_drop',
      group: 'usage',
      accountId: 'a',
      baseSeverity: 'P1',
      triggeredAt: at,
      summary: 'active users down 30%',
      measure: { value: 30, unit: 'percent', worseWhen: 'higher' },
      details: {},
    };
    expect(renewalForwardFromAlert(usage)).toEqual({ inputs: { usageChangePct: -30 } });
    expect(renewalForwardFromAlert({ ...usage, group: 'sentiment' })).toBeNull();
    expect(saveIssueFromAlert(usage, 'P0')).toEqual({
      description: 'Early warning (usage drop): active users down 30%',
      source: 'early_warning',
      dealBreaker: true,
      impact: 5,
    });
    expect(saveIssueFromAlert(usage, 'P2')).toMatchObject({ dealBreaker: false, impact: 3 });
  });

  it.each<[string, Parameters<typeof renewalForwardFromEvent>[0], ReturnType<typeof renewalForwardFromEvent>]>([
    [
      '95 of 100 seats in use: whitespace',
      { type: 'seat_change', occurredAt: at, payload: { seats: 95, licensedSeats: 100 } },
      { inputs: { growth: { whitespace: true } } },
    ],
    [
      '90 of 100: whitespace (90% or more)',
      { type: 'seat_change', occurredAt: at, payload: { seats: 90, licensedSeats: 100 } },
      { inputs: { growth: { whitespace: true } } },
    ],
    ['89 of 100: nothing', { type: 'seat_change', occurredAt: at, payload: { seats: 89, licensedSeats: 100 } }, null],
    [
      'the budget holder asks for more: a stated need and the relationship',
      { type: 'expansion_interest', occurredAt: at, payload: { from: 'budget_holder' } },
      { inputs: { growth: { statedGrowthNeeds: true, budgetHolderRelationship: true } } },
    ],
    [
      'a user asks for more: a stated need',
      { type: 'expansion_interest', occurredAt: at, payload: { from: 'user' } },
      { inputs: { growth: { statedGrowthNeeds: true } } },
    ],
  ])('growth (§1 expansion): %s', (_, event, expected) => {
    expect(renewalForwardFromEvent(event, DEFAULT_POLICY)).toEqual(expected);
  });
});
