import { DEFAULT_POLICY } from '../policy/retain-policy';
import { decideAlert, type AlertBookkeeping } from './alert-decision';
import type { EarlyWarningAccount, TriggeredAlert } from './alert-rules';
import type { ManualSuppression, PreviousAlert } from './overload';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = '2026-03-02T10:00:00.000Z';
const before = (ms: number) => new Date(Date.parse(AT) - ms).toISOString();

// Mid-market, $50K ARR (between the $10K and $100K modifiers), no open renewal: a usage drop stays P1.
const account: EarlyWarningAccount = {
  id: 'a1',
  segment: 'mid_market',
  vertical: null,
  arrCents: 5_000_000,
  renewalDate: null,
  timeZone: 'UTC',
};

const drop = (pct: number, at = AT): TriggeredAlert => ({
  ruleId: 'usage_drop',
  group: 'usage',
  accountId: 'a1',
  baseSeverity: 'P1',
  triggeredAt: at,
  summary: `active users down ${pct}%`,
  measure: { value: pct, unit: 'percent', worseWhen: 'higher' },
  details: {},
});

const previous = (pct: number, notifiedAgo: number, acknowledgedAgo: number | null = null): PreviousAlert => ({
  ruleId: 'usage_drop',
  severity: 'P1',
  measure: { value: pct, unit: 'percent', worseWhen: 'higher' },
  notifiedAt: before(notifiedAgo),
  acknowledgedAt: acknowledgedAgo === null ? null : before(acknowledgedAgo),
});

const book = (over: Partial<AlertBookkeeping> = {}): AlertBookkeeping => ({
  alertSeq: 4,
  lastByRule: {},
  clusters: {},
  suppressedCount: 2,
  suppressions: [],
  ...over,
});

describe('decideAlert: raised or suppressed (§5.5; usage_drop worsenedBy 10, suppression 7 days)', () => {
  it.each<[string, AlertBookkeeping, TriggeredAlert, string, string | null]>([
    ['the first alert of its rule is raised', book(), drop(40), AT, null],
    [
      'a repeat 3 days later, 5 points worse: suppressed',
      book({ lastByRule: { usage_drop: previous(40, 3 * DAY) } }),
      drop(45),
      AT,
      'repeat',
    ],
    [
      'a repeat 3 days later, 10 points worse: raised (worsened)',
      book({ lastByRule: { usage_drop: previous(40, 3 * DAY) } }),
      drop(50),
      AT,
      null,
    ],
    [
      'exactly 7 days after the last notification: raised again',
      book({ lastByRule: { usage_drop: previous(40, 7 * DAY) } }),
      drop(40),
      AT,
      null,
    ],
    [
      'acknowledged 2 days ago (notified 10 days ago): suppressed',
      book({ lastByRule: { usage_drop: previous(40, 10 * DAY, 2 * DAY) } }),
      drop(41),
      AT,
      'acknowledged',
    ],
    // Dec 20 lies in the year-end holidays window (12-15 to 01-05) of the usage group.
    [
      'a usage alert on Dec 20: seasonal',
      book(),
      drop(40, '2026-12-20T10:00:00.000Z'),
      '2026-12-20T10:00:00.000Z',
      'seasonal',
    ],
    [
      'a manual window covering the day: manual',
      book({ suppressions: [{ from: '2026-03-01', to: '2026-03-05', groups: ['usage'], reason: 'migration' }] }),
      drop(40),
      AT,
      'manual',
    ],
    [
      'a manual window of another group does not hold',
      book({ suppressions: [{ from: '2026-03-01', to: '2026-03-05', groups: ['support'], reason: 'migration' }] }),
      drop(40),
      AT,
      null,
    ],
  ])('%s', (_, b, t, at, reason) => {
    const d = decideAlert(b, 'a1', t, account, new Date(at), DEFAULT_POLICY);
    expect(d.suppression.reason).toBe(reason);
    expect(d.raised).toBe(reason === null);
    // Suppressed: counted, nothing else moves. Raised: the next number, and its rule's last notified alert.
    expect(d.next.suppressedCount).toBe(reason === null ? 2 : 3);
    expect(d.next.alertSeq).toBe(reason === null ? 5 : 4);
    if (d.raised) {
      expect(d.id).toBe('alert:a1:5');
      expect(d.next.lastByRule.usage_drop).toEqual({
        ruleId: 'usage_drop',
        severity: 'P1',
        measure: t.measure,
        notifiedAt: at,
        acknowledgedAt: null,
      });
    } else expect(d.next.lastByRule).toBe(b.lastByRule);
  });

  it('leaves the bookkeeping it is given as it was', () => {
    const b = book({ lastByRule: { usage_drop: previous(40, 3 * DAY) } });
    const copy = JSON.parse(JSON.stringify(b));
    decideAlert(b, 'a1', drop(55), account, new Date(AT), DEFAULT_POLICY);
    expect(b).toEqual(copy);
  });
});

describe('decideAlert: the final severity (renewal within 60 days +1, ARR from $100K +1)', () => {
  it.each<[string, Partial<EarlyWarningAccount>, string]>([
    ['no renewal, $50K: the base P1', {}, 'P1'],
    // 2026-03-02 to 2026-04-01 is 30 days, under 60.
    ['renewal in 30 days: P0', { renewalDate: '2026-04-01' }, 'P0'],
    // 2026-03-02 to 2026-12-01 is 274 days, 180 or more: lowered.
    ['renewal in 274 days: P2', { renewalDate: '2026-12-01' }, 'P2'],
    ['$100K ARR: P0', { arrCents: 10_000_000 }, 'P0'],
    ['$9,999 ARR: P2', { arrCents: 999_900 }, 'P2'],
  ])('%s', (_, over, severity) => {
    const d = decideAlert(book(), 'a1', drop(40), { ...account, ...over }, new Date(AT), DEFAULT_POLICY);
    expect(d.severity).toBe(severity);
    if (d.raised) expect(d.routed.severity).toBe(severity);
    if (d.raised) expect(d.next.lastByRule.usage_drop?.severity).toBe(severity);
  });
});

describe('decideAlert: the consolidation window (24 h, half-open) and the live suppression windows', () => {
  it.each<[string, string, string, string[]]>([
    // Opened 10 h before: the alert joins it under its key.
    [
      'an open window 10 h old takes the alert',
      before(10 * HOUR),
      'alert:a1:3:notification',
      ['alert:a1:3', 'alert:a1:5'],
    ],
    // Opened exactly 24 h before: closed, the alert opens the next under its own id.
    ['a window 24 h old is closed: a new one', before(24 * HOUR), 'alert:a1:5:notification', ['alert:a1:5']],
  ])('%s', (_, firstAt, key, alertIds) => {
    const open = { key: 'alert:a1:3:notification', firstAt, alertIds: ['alert:a1:3'] };
    const d = decideAlert(book({ clusters: { usage: open } }), 'a1', drop(40), account, new Date(AT), DEFAULT_POLICY);
    if (!d.raised) throw new Error('expected the alert raised');
    expect(d.cluster.key).toBe(key);
    expect(d.cluster.alertIds).toEqual(alertIds);
    expect(d.next.clusters.usage).toEqual(d.cluster);
    expect(d.cluster.firstAt).toBe(alertIds.length === 1 ? AT : firstAt);
    expect(open.alertIds).toEqual(['alert:a1:3']);
  });

  it('drops windows that ended more than a day ago, keeps those ending later or still ahead', () => {
    const ended: ManualSuppression = { from: '2026-02-01', to: '2026-02-20', groups: [], reason: 'old' };
    // Ends 2026-03-01T23:59:59Z: less than a day before 10:00 on Mar 2, kept.
    const justEnded: ManualSuppression = { from: '2026-02-25', to: '2026-03-01', groups: [], reason: 'recent' };
    const ahead: ManualSuppression = { from: '2026-04-01', to: '2026-04-10', groups: [], reason: 'ahead' };
    const d = decideAlert(
      book({ suppressions: [ended, justEnded, ahead] }),
      'a1',
      drop(40),
      account,
      new Date(AT),
      DEFAULT_POLICY,
    );
    expect(d.raised).toBe(true);
    expect(d.next.suppressions).toEqual([justEnded, ahead]);
  });
});
