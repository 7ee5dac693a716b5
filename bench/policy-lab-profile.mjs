// The policy lab's engine speed (issue 18, "Speed and scale"), without the stack: seeded
// account-years (weekly usage snapshots from plantedUsageSeries, a drop on about one in
// five, and about 100 other events a year: replies, meetings, champion contacts, tickets,
// surveys, health scores) run through addAccountToTally under two policies (the default
// and a candidate with other usage-drop thresholds), one account at a time. Prints the
// events per second (events read, as the tally counts them), the time per account-year
// and an estimate for 10,000 accounts; the CPU time too (the machine is shared: the wall
// time follows its load). For a profile:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/policy-lab-profile.mjs 200
// Loads the compiled domain library from DOMAIN_DIST (default dist/libs/domain/src).
// Usage: node bench/policy-lab-profile.mjs [accounts=200]
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const require = createRequire(import.meta.url);
/**
 * @typedef {{ type: string, occurredAt: string, payload: Record<string, unknown>, eventId: string, source: string }} Event
 * @typedef {{ accountsRead: number, eventsRead: number, byPolicy: Record<string, Record<string, { alerts: number }>> }} Tally
 * @typedef {{
 *   seededRandom: (seed: number) => () => number,
 *   plantedUsageSeries: (spec: object) => Event[],
 *   resolvePolicy: (overrides: unknown) => object,
 *   emptyTally: () => Tally,
 *   addAccountToTally: (tally: Tally, history: object, policies: object, period: object, now: Date) => void,
 * }} Engine
 */
/** @param {string} path @returns {unknown} */
const load = (path) => require(path);
const domain = /** @type {Engine} */ (
  load(join(process.env.DOMAIN_DIST ?? join(repoRoot, 'dist/libs/domain/src'), 'index.js'))
);

const ACCOUNTS = Number(process.argv[2] ?? 200);
const DAY = 86_400_000;
const PERIOD = { from: '2026-01-01', to: '2026-12-31' };
const NOW = new Date('2027-03-01T00:00:00Z');
const SEGMENTS = ['enterprise', 'mid_market', 'smb'];
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
const VERTICALS = [null, 'education', 'healthcare', 'retail'];

const isoAt = (/** @type {number} */ ms) => new Date(ms).toISOString();
const dayOf = (/** @type {number} */ ms) => isoAt(ms).slice(0, 10);

/** One seeded account-year. */
function history(/** @type {number} */ i) {
  const random = domain.seededRandom(1000 + i);
  const id = `acc-${i}`;
  const churns = random() < 0.2;
  const dropPct = churns ? 20 + random() * 40 : random() < 0.3 ? random() * 25 : 0;
  const start = Date.parse('2026-01-05T00:00:00Z');
  const dropFrom = dropPct > 0 ? dayOf(start + Math.floor(60 + random() * 200) * DAY) : null;
  const usage = domain.plantedUsageSeries({
    accountId: id,
    from: '2026-01-05',
    to: '2026-12-28',
    everyDays: 7,
    activeUsers: Math.round(50 + random() * 2000),
    dropPct,
    dropFrom,
    noisePct: 3,
    random,
  });
  const withLogins = random() < 0.5;
  const events = usage.map((e) =>
    withLogins
      ? { ...e, payload: { ...e.payload, keyUserLogins: Math.round(Number(e.payload.activeUsers) * 0.3) } }
      : e,
  );
  /** @type {Array<[string, () => Record<string, unknown>]>} */
  const kinds = [
    ['reply_time', () => ({ hours: Math.round(random() * 200) })],
    ['meeting_held', () => ({ meetingKind: 'check_in' })],
    ['meeting_cancelled', () => ({ meetingKind: random() < 0.3 ? 'training' : 'qbr' })],
    ['champion_contact', () => ({ channel: 'email' })],
    ['nps', () => ({ score: Math.floor(random() * 11) })],
    ['csat', () => ({ score: 1 + Math.floor(random() * 5) })],
    ['health_score', () => ({ score: Math.floor(20 + random() * 80) })],
  ];
  let n = 0;
  const add = (/** @type {string} */ type, /** @type {number} */ at, /** @type {Record<string, unknown>} */ payload) =>
    events.push({ type, occurredAt: isoAt(at), payload, eventId: `x:${id}:${n++}`, source: 'bench' });
  const weights = [24, 12, 4, 20, 2, 4, 12];
  for (let k = 0; k < kinds.length; k++)
    for (let j = 0; j < weights[k]; j++) add(kinds[k][0], start + Math.floor(random() * 358 * DAY), kinds[k][1]());
  for (let j = 0; j < 10; j++) {
    const opened = start + Math.floor(random() * 350 * DAY);
    const ticketId = `t-${id}-${j}`;
    add('support_ticket_opened', opened, { ticketId, priority: random() < 0.05 ? 'P1' : 'P3' });
    add('support_ticket_resolved', opened + Math.floor(random() * 20 * DAY), {
      ticketId,
      supportCsat: random() < 0.5 ? 1 + Math.floor(random() * 5) : null,
    });
  }
  if (random() < 0.2)
    add('competitor_mention', start + Math.floor(random() * 350 * DAY), { competitor: 'Rival', context: 'evaluation' });
  const decidedAt = churns
    ? isoAt(Date.parse(`${dropFrom ?? '2026-09-01'}T12:00:00Z`) + 60 * DAY)
    : '2026-11-20T12:00:00.000Z';
  return {
    account: {
      id,
      segment: SEGMENTS[i % 3],
      vertical: VERTICALS[i % 4],
      arrCents: Math.round(1_000_000 + random() * 50_000_000),
      timeZone: ZONES[i % 4],
      ownerCsmId: `csm-${i % 25}`,
      csmManagerId: null,
    },
    events,
    renewals: [
      {
        renewalDate: dayOf(Date.parse(decidedAt) + 30 * DAY),
        outcome: churns ? 'churned' : 'renewed',
        decidedAt,
      },
    ],
    saves: [],
  };
}

const current = domain.resolvePolicy(undefined);
const candidate = domain.resolvePolicy({
  earlyWarning: { usage: { activeUsers: { dropPctBySegment: { enterprise: 30, mid_market: 25, smb: 20 } } } },
});
const policies = { current, candidates: [{ label: 'candidate', policy: candidate }] };

const histories = Array.from({ length: ACCOUNTS }, (_, i) => history(i));
const tally = domain.emptyTally();
const cpuBefore = process.cpuUsage();
const began = process.hrtime.bigint();
for (const h of histories) domain.addAccountToTally(tally, h, policies, PERIOD, NOW);
const seconds = Number(process.hrtime.bigint() - began) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const alerts = Object.fromEntries(
  Object.entries(tally.byPolicy).map(([label, groups]) => [label, groups['*|*|*']?.alerts ?? 0]),
);
const perAccountMs = (seconds * 1000) / ACCOUNTS;
process.stdout.write(
  `policy-lab engine: ${ACCOUNTS} account-years, ${tally.eventsRead} events, 2 policies: ${seconds.toFixed(2)} s, ` +
    `${Math.round(tally.eventsRead / seconds)} events/s, ${perAccountMs.toFixed(1)} ms per account-year; ` +
    `CPU ${cpuSeconds.toFixed(2)} s (${Math.round(tally.eventsRead / cpuSeconds)} events per CPU second); ` +
    `10,000 accounts ≈ ${((perAccountMs * 10_000) / 1000).toFixed(0)} s; alerts ${JSON.stringify(alerts)}, ` +
    `tally sha256 ${createHash('sha256').update(JSON.stringify(tally)).digest('hex').slice(0, 16)}; ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
);
