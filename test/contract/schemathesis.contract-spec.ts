import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { anAccount, aSaveStart } from '../support/factories';
import { TestStack } from '../support/stack';

/** How long schemathesis may generate against one key (all phases share it). */
const SECONDS_PER_KEY = Number(process.env.CONTRACT_SECONDS_PER_KEY ?? 40);
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
];

function schemathesisPath(): string {
  const path = process.env.SCHEMATHESIS_PATH;
  if (!path) throw new Error('SCHEMATHESIS_PATH is not set. Run the tests with `npm test`, which provisions it.');
  return path;
}

function runSchemathesis(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(schemathesisPath(), args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', (error) => resolve({ code: 1, out: `${out}\ncould not run schemathesis: ${error.message}` }));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Runs `tasks` with at most `limit` at once; each promise settles with its own task. */
function limited<T>(limit: number, tasks: Array<() => Promise<T>>): Array<Promise<T>> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return tasks.map(async (task) => {
    if (running >= limit) await new Promise<void>((go) => waiting.push(go));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  });
}

/**
 * Keys fuzzed at once. Each run is bound by the api's answers more than by its own CPU,
 * and the six one after another took four of the suite's ten minutes; three at a time
 * still leave each run far more test cases than the floor asserted below.
 */
const CONCURRENT_RUNS = 3;
const CALLERS = ['csm-c', 'mgr-c', 'dir-c', 'ae-c', 'ops-c', 'int-c'] as const;

/**
 * The API's contract, checked by schemathesis (property-based tests generated from the
 * OpenAPI document) against a live stack: every phase (examples, coverage, fuzzing,
 * stateful through the links), with the key of each kind of caller, for a bounded time
 * each. It fails on any server error, any status, content type, header or body that the
 * document does not declare. Data is seeded first (renewals, a save with a concession, a
 * monitoring, a win-back, an alert) and its ids given to schemathesis, so generated
 * requests reach real objects and not only 404s.
 */
describe('API contract (schemathesis, all phases)', () => {
  let stack: TestStack;
  let dir: string;
  const keys: Record<string, string> = {};
  const today = localDateAt(new Date(), 'UTC');
  const ids = {} as Record<
    'renewal' | 'account' | 'save' | 'concession' | 'planItem' | 'monitoring' | 'winBack' | 'alert' | 'suppression',
    string
  >;

  beforeAll(async () => {
    // The generator sends thousands of requests from one address: the rate limits would answer most of them 429.
    stack = await TestStack.start({ RATE_LIMIT_PER_ADDRESS: '10000000', RATE_LIMIT_PER_KEY: '10000000' });
    dir = mkdtempSync(join(tmpdir(), 'retain-contract-'));
    Object.assign(
      keys,
      await stack.people([
        ['vp', 'vp-c'],
        ['director', 'dir-c', 'vp-c'],
        ['csm_manager', 'mgr-c', 'dir-c'],
        ['csm', 'csm-c', 'mgr-c'],
        ['cs_ops', 'ops-c'],
        ['sales_rep', 'ae-c'],
        ['product', 'pm-c'],
      ]),
    );
    keys['int-c'] = await stack.keyFor('integration', 'int-c', { scopes: ['signals', 'account_facts'] });
    const secret = (await new SigningSecretStore(stack.db).create('int-c')).secret;
    const ok = async (what: string, r: Promise<{ status: number; body: any }>, statuses = [200, 201, 202]) => {
      const res = await r;
      if (!statuses.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const account = (id: string) => anAccount(id, { ownerCsmId: 'csm-c', csmManagerId: 'mgr-c', salesRepId: 'ae-c' });
    const date = addDays(today, 75);
    for (const a of ['acc-c1', 'acc-c2', 'acc-c3'])
      await ok(
        `launch ${a}`,
        stack.request('POST', '/renewals', { key: keys['ops-c'], body: { account: account(a), renewalDate: date } }),
      );
    ids.renewal = `renewal:acc-c1:${date}`;
    ids.account = 'acc-c1';
    ids.save = (
      await ok('save', stack.request('POST', '/saves', { key: keys['csm-c'], body: aSaveStart('acc-c1', date) }))
    ).id;
    await waitUntil(
      async () =>
        (await stack.request('GET', `/saves/${encodeURIComponent(ids.save)}`, { key: keys['csm-c'] })).status === 200
          ? true
          : undefined,
      20_000,
      'the save',
    );
    const savePath = `/saves/${encodeURIComponent(ids.save)}`;
    await ok(
      'issue',
      stack.request('POST', `${savePath}/issues`, {
        key: keys['csm-c'],
        body: {
          description: 'Slow support',
          source: 'tickets',
          frequency: 3,
          dealBreaker: true,
          fixable: true,
          quickFix: true,
          impact: 4,
        },
      }),
    );
    const rationale = { businessRationale: 'a', expectedOutcome: 'b', alternativesConsidered: 'c', riskFactors: 'd' };
    ids.concession = (
      await ok(
        'concession',
        stack.request('POST', `${savePath}/concessions`, {
          key: keys['csm-c'],
          body: {
            type: 'discount',
            discountPct: 10,
            rationale,
            sunset: 'year 1',
            tiedTo: '2 years',
            overrideReason: 'budget',
          },
        }),
      )
    ).id;
    ids.planItem = (
      await ok(
        'plan item',
        stack.request('POST', `${savePath}/plan-items`, {
          key: keys['csm-c'],
          body: {
            issue: 'i',
            rootCause: 'r',
            fix: 'f',
            owner: 'csm-c',
            dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
            successMetric: 's',
          },
        }),
      )
    ).id;
    ids.monitoring = (
      await ok(
        'monitoring',
        stack.request('POST', '/monitoring', {
          key: keys['ops-c'],
          body: {
            accountId: 'acc-c2',
            renewalDate: addDays(today, -5),
            triggerReasons: ['usage down'],
            promises: [
              {
                description: 'Fix export',
                ownerId: 'csm-c',
                dueAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
              },
            ],
          },
        }),
      )
    ).id;
    await ok(
      'churn',
      stack.request('POST', `/renewals/${encodeURIComponent(`renewal:acc-c3:${date}`)}/decision`, {
        key: keys['csm-c'],
        body: { outcome: 'churned', reason: 'budget' },
      }),
    );
    ids.winBack = `winback:acc-c3:${date}`;
    await ok(
      'event',
      stack.postEvent(keys['int-c'], secret, {
        eventId: 'sd-1',
        source: 'int-c',
        accountId: 'acc-c1',
        type: 'sponsor_departure',
        occurredAt: new Date().toISOString(),
        payload: { reason: 'departed' },
      }),
    );
    ids.alert = await waitUntil(
      async () =>
        (await stack.db.query<Array<{ id: string }>>("SELECT id FROM alerts WHERE account_id = 'acc-c1' LIMIT 1"))[0]
          ?.id,
      30_000,
      'the alert',
    );
    ids.suppression = (
      await ok(
        'suppression',
        stack.request('POST', `/accounts/acc-c1/suppressions`, {
          key: keys['csm-c'],
          body: { from: addDays(today, 10), to: addDays(today, 20), reason: 'holidays' },
        }),
      )
    ).id;
    await waitUntil(
      async () =>
        (await stack.request('GET', `/win-backs/${encodeURIComponent(ids.winBack)}`, { key: keys['csm-c'] })).status ===
        200
          ? true
          : undefined,
      20_000,
      'the win-back',
    );

    // Real ids for the path parameters of each operation (the generator still varies everything else).
    const byPath: Array<[string, Record<string, string>]> = [
      ['^/renewals/\\{id\\}', { id: ids.renewal }],
      ['^/saves/\\{id\\}', { id: ids.save }],
      ['^/saves/\\{id\\}/concessions/\\{cid\\}', { id: ids.save, cid: ids.concession }],
      ['^/saves/\\{id\\}/plan-items/\\{itemId\\}', { id: ids.save, itemId: ids.planItem }],
      ['^/monitoring/\\{id\\}', { id: ids.monitoring }],
      ['^/monitoring/\\{id\\}/promises/\\{pid\\}', { id: ids.monitoring, pid: 'promise-1' }],
      ['^/win-backs/\\{id\\}', { id: ids.winBack }],
      ['^/alerts/\\{id\\}', { id: ids.alert }],
      ['^/accounts/\\{accountId\\}', { accountId: ids.account }],
      [
        '^/accounts/\\{accountId\\}/suppressions/\\{suppressionId\\}',
        { accountId: ids.account, suppressionId: ids.suppression },
      ],
    ];
    const toml = byPath
      .map(
        ([regex, params]) =>
          `[[operations]]\ninclude-path-regex = ${JSON.stringify(regex)}\nparameters = { ${Object.entries(params)
            .map(([k, v]) => `${JSON.stringify(`path.${k}`)} = ${JSON.stringify(v)}`)
            .join(', ')} }\n`,
      )
      .join('\n');
    writeFileSync(join(dir, 'schemathesis.toml'), toml);
  }, 240_000);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await stack?.stop();
  }, 60_000);

  /** Every caller's run, started (CONCURRENT_RUNS at a time) when the first test asks for one. */
  let runs: Map<string, Promise<{ code: number; out: string }>> | undefined;
  const runOf = (who: string): Promise<{ code: number; out: string }> => {
    if (!runs) {
      const started = limited(
        CONCURRENT_RUNS,
        CALLERS.map((caller) => () => fuzz(caller)),
      );
      runs = new Map(CALLERS.map((caller, i) => [caller, started[i]!]));
    }
    return runs.get(who)!;
  };
  const fuzz = (who: string) =>
    runSchemathesis(
      [
        'run',
        `${stack.baseUrl}/docs-json`,
        '--url',
        stack.baseUrl,
        '--checks',
        CHECKS.join(','),
        '--phases',
        'examples,coverage,fuzzing,stateful',
        '--max-time',
        String(SECONDS_PER_KEY),
        '--request-timeout',
        '30',
        '--workers',
        '1',
        '--output-truncate',
        'false',
        '--no-color',
        '-H',
        `Authorization: Bearer ${keys[who]}`,
        '--report',
        'har',
        '--report-har-path',
        join(dir, `${who}.har`),
      ],
      dir,
    );

  // People of every kind of relation to the seeded account, cs_ops, and the integration.
  it.each(CALLERS)(
    'with the key of %s: no server error, no status, content type, header or body the document does not declare',
    async (who) => {
      const { code, out } = await runOf(who);
      const generated = /(\d+) generated/.exec(out)?.[1] ?? '?';
      const seed = /Seed: (\d+)/.exec(out)?.[1] ?? '?';
      // What the generated requests were answered: by status, and how many reached a real object (2xx).
      const entries = (
        JSON.parse(readFileSync(join(dir, `${who}.har`), 'utf8')) as {
          log: { entries: Array<{ request: { method: string; url: string }; response: { status: number } }> };
        }
      ).log.entries;
      const byStatus = new Map<number, number>();
      for (const e of entries) byStatus.set(e.response.status, (byStatus.get(e.response.status) ?? 0) + 1);
      const ok = entries.filter((e) => e.response.status < 300);
      const okOperations = new Set(
        ok.map((e) => `${e.request.method} ${new URL(e.request.url).pathname.replace(/\/[^/]*%3A[^/]*/g, '/{id}')}`),
      );
      process.stdout.write(
        `[contract] ${who}: ${generated} test cases, ${entries.length} requests (${[...byStatus.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')}), 2xx on ${okOperations.size} operations, exit ${code}, seed ${seed}\n`,
      );
      const failures = out.includes('FAILURES')
        ? out.slice(out.indexOf('FAILURES'), out.indexOf('WARNINGS') > 0 ? out.indexOf('WARNINGS') : undefined)
        : '';
      expect({ who, code, failures }).toEqual({ who, code: 0, failures: '' });
      expect(Number(generated)).toBeGreaterThan(100);
    },
    // A run may wait for a slot while an earlier one finishes.
    (2 * SECONDS_PER_KEY + 180) * 1000,
  );
});
