import {
  ALERT_RULES,
  DEFAULT_POLICY,
  RENEWAL_DECISION_OUTCOMES,
  addMonths,
  daysUntilRenewal,
  effortHoursOf,
} from '@retain/domain';
import { demoBookCounts, generateDemoBook, HISTORY_ALERT_SEQ_FROM, type DemoBook } from './demo-book';
import { mulberry32, Rng } from './demo-random';
import { usageEvents } from './demo-usage';

const DAY = 86_400_000;
const NOW = new Date('2026-12-10T00:00:00.000Z');
const book = (seed: number, accounts: number, now = NOW) =>
  generateDemoBook({ seed, accounts, now, policy: DEFAULT_POLICY });
const share = (n: number, of: number) => (of === 0 ? 0 : n / of);

describe('the demo book', () => {
  describe('is deterministic', () => {
    it('gives the same rows for the same seed, accounts and now', () => {
      expect(JSON.stringify(book(42, 40))).toEqual(JSON.stringify(book(42, 40)));
    });

    it('gives other rows for another seed', () => {
      const a = book(42, 40);
      const b = book(43, 40);
      expect(b.accounts.map((x) => x.name)).not.toEqual(a.accounts.map((x) => x.name));
      expect(JSON.stringify(b.renewals)).not.toEqual(JSON.stringify(a.renewals));
    });

    it('gives the same accounts but another year on another day', () => {
      const a = book(42, 40);
      const b = book(42, 40, new Date(NOW.getTime() + DAY));
      expect(b.accounts.map((x) => x.name)).toEqual(a.accounts.map((x) => x.name));
      expect(JSON.stringify(b.renewals)).not.toEqual(JSON.stringify(a.renewals));
    });

    it('keeps an account as it is when the book has more accounts (each account draws from its own stream)', () => {
      const small = book(7, 10);
      const large = book(7, 30);
      expect(large.renewals.filter((r) => small.stories[r.account.id])).toEqual(small.renewals);
    });

    it.each([0, -1, 1.5, 100_001])('refuses %s accounts', (n) => {
      expect(() => book(1, n)).toThrow(RangeError);
    });
  });

  describe('is plausible', () => {
    let b: DemoBook;
    const now = NOW.getTime();
    beforeAll(() => {
      b = book(11, 1000);
    });

    it('has the org chart: a VP, a director, 2-4 managers with their CSMs, CS ops and the integration', () => {
      const roles = (r: string) => b.principals.filter((p) => p.role === r);
      expect(roles('vp')).toHaveLength(1);
      expect(roles('director')).toHaveLength(1);
      expect(roles('csm_manager').length).toBeGreaterThanOrEqual(2);
      expect(roles('csm_manager').length).toBeLessThanOrEqual(4);
      expect(roles('cs_ops')).toHaveLength(1);
      expect(roles('integration')).toHaveLength(1);
      const managers = new Set(roles('csm_manager').map((p) => p.id));
      expect(roles('csm').every((p) => managers.has(p.managerId!))).toBe(true);
      expect(roles('csm_manager').every((p) => p.managerId === b.directorId)).toBe(true);
      // Managers come before their reports (keys are issued in this order).
      const seen = new Set<string>();
      for (const p of b.principals) {
        if (p.managerId) expect(seen.has(p.managerId)).toBe(true);
        seen.add(p.id);
      }
    });

    it.each([
      // segment, share from-to, ARR from-to (US cents)
      ['enterprise', 0.1, 0.2, 12_000_000, 120_000_000],
      ['mid_market', 0.28, 0.42, 2_500_000, 12_000_000],
      ['smb', 0.43, 0.57, 400_000, 2_500_000],
    ] as const)('has %s accounts in their share and ARR range', (segment, from, to, arrFrom, arrTo) => {
      // The ARR before the year's decision (an expansion may take an account above its range).
      const arr = b.renewals.filter((r) => r.account.segment === segment).map((r) => r.account.arrCents);
      const n = b.accounts.filter((a) => a.segment === segment).length;
      expect(share(n, b.accounts.length)).toBeGreaterThanOrEqual(from);
      expect(share(n, b.accounts.length)).toBeLessThanOrEqual(to);
      expect(Math.min(...arr)).toBeGreaterThanOrEqual(arrFrom - 50_000);
      expect(Math.max(...arr)).toBeLessThanOrEqual(arrTo + 50_000);
    });

    it('states since when each account is a customer: a year or more before its renewal, before now', () => {
      const renewals = new Map(b.renewals.map((r) => [r.account.id, r]));
      for (const a of b.accounts) {
        expect(a.customerSince! < NOW.toISOString().slice(0, 10)).toBe(true);
        const r = renewals.get(a.id);
        if (r) expect(a.customerSince! <= addMonths(r.renewalDate, -12)).toBe(true);
      }
    });

    it('renews 85-92% of the logos, with every kind of decision', () => {
      const outcomes = b.renewals.map((r) => r.decision!.outcome);
      const churned = outcomes.filter((o) => o === 'churned').length;
      expect(share(outcomes.length - churned, outcomes.length)).toBeGreaterThanOrEqual(0.85);
      expect(share(outcomes.length - churned, outcomes.length)).toBeLessThanOrEqual(0.92);
      expect(new Set(outcomes)).toEqual(new Set(RENEWAL_DECISION_OUTCOMES));
      // Expansions outweigh downsizing and churn a little: net revenue retention near 100-110%.
      const before = b.renewals.reduce((s, r) => s + r.account.arrCents, 0);
      const after = b.renewals.reduce((s, r) => s + r.decision!.newArrCents, 0);
      expect(share(after, before)).toBeGreaterThan(0.9);
      expect(share(after, before)).toBeLessThan(1.15);
    });

    it('classified every renewal, about one in six red at some point, and saved 45-75% of the saves tried', () => {
      expect(b.renewals.every((r) => r.classificationHistory.length > 0 && r.category !== null)).toBe(true);
      const red = b.renewals.filter((r) => r.classificationHistory.some((c) => c.category === 'red')).length;
      expect(share(red, b.renewals.length)).toBeGreaterThan(0.08);
      expect(share(red, b.renewals.length)).toBeLessThan(0.25);
      const tried = b.saves.filter((s) => s.status !== 'exited');
      const saved = tried.filter((s) => s.status === 'saved').length;
      expect(share(saved, tried.length)).toBeGreaterThanOrEqual(0.45);
      expect(share(saved, tried.length)).toBeLessThanOrEqual(0.75);
    });

    it('warned most churned accounts 30-90 days before they churned', () => {
      const churned = b.renewals.filter((r) => r.decision!.outcome === 'churned');
      const warned = churned.filter((r) =>
        b.alerts.some((a) => {
          const lead = Date.parse(r.decision!.decidedAt) - Date.parse(a.triggeredAt);
          return a.accountId === r.account.id && lead >= 30 * DAY && lead <= 90 * DAY;
        }),
      );
      expect(share(warned.length, churned.length)).toBeGreaterThanOrEqual(0.7);
    });

    it('raised alerts of the catalogue, most acknowledged, some escalated, all resolved', () => {
      const rules = new Set(ALERT_RULES.map((r) => r.id));
      expect(b.alerts.every((a) => rules.has(a.ruleId) && a.state === 'resolved' && a.resolvedAt !== null)).toBe(true);
      expect(new Set(b.alerts.map((a) => a.severity))).toEqual(new Set(['P0', 'P1', 'P2', 'P3']));
      const acknowledged = b.alerts.filter((a) => a.acknowledgedAt !== null).length;
      expect(share(acknowledged, b.alerts.length)).toBeGreaterThanOrEqual(0.85);
      expect(share(acknowledged, b.alerts.length)).toBeLessThan(1);
      expect(b.alerts.some((a) => a.escalations.some((e) => e.escalatedAt !== null))).toBe(true);
    });

    it('numbers the alerts of the history apart from the ones the account workflow will raise (from 1)', () => {
      const seqs = b.alerts.map((a) => Number(a.id.split(':').at(-1)));
      expect(Math.min(...seqs)).toBeGreaterThanOrEqual(HISTORY_ALERT_SEQ_FROM);
      expect(new Set(b.alerts.map((a) => a.id)).size).toBe(b.alerts.length);
    });

    it('holds only closed history, all of it before now', () => {
      const before = (iso: string | null) => iso === null || Date.parse(iso) < now;
      expect(
        b.renewals.every((r) => r.status === 'closed' && before(r.updatedAt) && before(r.decision!.decidedAt)),
      ).toBe(true);
      expect(b.renewals.every((r) => r.audit.every((e, i) => e.seq === i + 1 && before(e.at)))).toBe(true);
      expect(b.saves.every((s) => s.status !== 'active' && before(s.updatedAt))).toBe(true);
      expect(b.alerts.every((a) => before(a.resolvedAt) && before(a.acknowledgedAt))).toBe(true);
      expect(b.healthObservations.every((o) => before(o.observedAt))).toBe(true);
      // The renewals of the year: renewal dates in the twelve months before now.
      expect(b.renewals.every((r) => daysUntilRenewal(r.renewalDate, r.account.timeZone, NOW) >= -366)).toBe(true);
      expect(b.renewals.every((r) => daysUntilRenewal(r.renewalDate, r.account.timeZone, NOW) < 0)).toBe(true);
    });

    it("ends each save as its renewal's decision says: lost with a churn, saved otherwise", () => {
      const renewals = new Map(b.renewals.map((r) => [r.renewalId, r]));
      for (const state of b.saves) {
        const r = renewals.get(state.renewalId)!;
        expect(r.saveRequest?.saveId).toBe(state.saveId);
        if (state.status === 'exited') continue;
        expect(state.status).toBe(r.decision!.outcome === 'churned' ? 'lost' : 'saved');
        expect(Date.parse(state.outcome!.decidedAt)).toBeLessThanOrEqual(Date.parse(r.decision!.decidedAt) + 60_000);
      }
    });

    it('logs effort on saves in quarter hours, within the save', () => {
      const entries = b.saves.flatMap((s) => (s.effortLog ?? []).map((e) => ({ e, s })));
      expect(entries.length).toBeGreaterThan(0);
      for (const { e, s } of entries) {
        expect(e.hours).toBeGreaterThan(0);
        expect(e.hours).toBeLessThanOrEqual(24);
        expect(Number.isInteger(e.hours * 4)).toBe(true);
        expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
        expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.parse(s.outcome?.decidedAt ?? s.updatedAt));
      }
      // Numbered as logged, in the order the work was done.
      for (const s of b.saves) {
        const log = s.effortLog ?? [];
        expect(log.map((e) => e.id)).toEqual(log.map((_, i) => `effort-${i + 1}`));
        expect(log.map((e) => e.at)).toEqual([...log.map((e) => e.at)].sort());
      }
      // Every save tried has hours on it: logged, and on its conversations and plan items.
      const tried = b.saves.filter((s) => s.status !== 'exited');
      expect(tried.every((s) => effortHoursOf(s) > 0)).toBe(true);
    });

    it('launches the next term of every account that stays, in the next 12 months, mostly green, some red', () => {
      const stays = b.renewals.filter((r) => ['renewed', 'expanded', 'downsized'].includes(r.decision!.outcome)).length;
      const newLogos = Object.values(b.stories).filter((s) => s === 'new_logo').length;
      expect(b.upcoming).toHaveLength(stays + newLogos);
      for (const u of b.upcoming) {
        const tz = u.launch.account.timeZone as string;
        expect(daysUntilRenewal(u.renewalDate, tz, NOW)).toBeGreaterThan(0);
        expect(daysUntilRenewal(u.renewalDate, tz, NOW)).toBeLessThanOrEqual(366);
      }
      const targets = b.upcoming.map((u) => u.target);
      const green = targets.filter((t) => t === 'green').length;
      expect(new Set(targets)).toEqual(new Set(['green', 'yellow', 'red', 'expansion']));
      expect(share(green, targets.length)).toBeGreaterThan(0.45);
    });

    it('counts what it holds', () => {
      expect(demoBookCounts(b)).toEqual({
        principals: b.principals.length,
        accounts: 1000,
        renewals: b.renewals.length,
        saves: b.saves.length,
        alerts: b.alerts.length,
        healthObservations: b.healthObservations.length,
        usageSnapshots: b.usage.reduce((n, u) => n + usageEvents(u).length, 0),
        historyEvents: b.historyEvents.length,
        upcoming: b.upcoming.length,
      });
    });
  });
});

describe('the random draws', () => {
  it('repeat for a seed and differ between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it.each([
    // min, max: every draw of int() falls inside, both ends reached in 2,000 draws
    [1, 3],
    [0, 0],
    [-2, 2],
  ])('draws whole numbers from %i to %i', (min, max) => {
    const rng = new Rng(5);
    const draws = Array.from({ length: 2000 }, () => rng.int(min, max));
    expect(Math.min(...draws)).toBe(min);
    expect(Math.max(...draws)).toBe(max);
    expect(draws.every(Number.isInteger)).toBe(true);
  });

  it('picks by weight (3:1 is about 75%)', () => {
    const rng = new Rng(9);
    const draws = Array.from({ length: 4000 }, () => rng.weighted({ a: 3, b: 1 }));
    expect(share(draws.filter((d) => d === 'a').length, draws.length)).toBeCloseTo(0.75, 1);
  });

  it('forks streams that depend on the name, not on what was drawn before', () => {
    const a = new Rng(1);
    a.float();
    const b = new Rng(1);
    expect(a.fork('x').float()).toBe(b.fork('x').float());
    expect(a.fork('x').float()).not.toBe(a.fork('y').float());
  });
});
