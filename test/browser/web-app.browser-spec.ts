import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addDays, localDateAt } from '@retain/domain';
import { SigningSecretStore } from '../../apps/api/src/events/signing-secrets';
import { waitUntil } from '../../scripts/lib/readiness.mjs';
import { buildWeb, gzippedJsBytes, launchChromium, seriousViolations, tabTo } from '../support/browser';
import { anAccount, aSaveStart } from '../support/factories';
import { TestStack } from '../support/stack';

const repoRoot = join(__dirname, '..', '..');
const e = encodeURIComponent;
/** The budget of JavaScript a first visit downloads (issue 19): 300 KB gzipped. */
const JS_BUDGET_BYTES = 300 * 1024;
// Each step waits on the page (locators, responses); the stack and the browser start in beforeAll.
jest.setTimeout(60_000);

/**
 * The web app (apps/web, built with Vite, served by the api under /app) in Debian's
 * Chromium against the whole stack: sign-in, the save pipeline, a concession approved
 * within the manager's authority and none beyond it, a renewal task completed, an alert
 * acknowledged with the badge dropping; each checked against the REST API afterwards.
 * Every page is screenshot (into a directory of the run, printed) and checked with axe-core.
 */
describe('the web app in a real browser', () => {
  let stack: TestStack;
  let webDir: string;
  let shots: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const keys: Record<string, string> = {};
  const consoleErrors: string[] = [];
  const today = localDateAt(new Date(), 'UTC');
  const renewalDate = addDays(today, 75);
  const saveId = `save:acc-web-1:${renewalDate}`;
  const renewalId = `renewal:acc-web-1:${renewalDate}`;
  const concessions: Record<string, string> = {};
  let alertId = '';
  let taskId = '';

  const must = async (what: string, r: Promise<{ status: number; body: any }>) => {
    const res = await r;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const rest = (path: string, key = keys['mgr-w']!) => stack.request('GET', path, { key });
  /** GETs `path` as the manager until `until` holds: the read model catches up with a change a moment after it. */
  const restWhen = (path: string, until: (body: any) => boolean, what: string) =>
    stack.readWhen(path, keys['mgr-w']!, until, what);
  const concessionOf = (body: any, id: string) => body.concessions.find((c: { id: string }) => c.id === id);
  const shot = async (name: string, on: Page = page) => {
    await on.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };
  const accessible = async (what: string, on: Page = page) => {
    expect([what, await seriousViolations(on)]).toEqual([what, []]);
  };

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'retain-web-build-'));
    shots = mkdtempSync(join(tmpdir(), 'retain-web-shots-'));
    buildWeb(repoRoot, webDir);
    stack = await TestStack.start({ WEB_DIST_DIR: webDir });
    Object.assign(
      keys,
      await stack.people([
        ['director', 'dir-w'],
        ['csm_manager', 'mgr-w', 'dir-w'],
        ['cs_ops', 'ops-w'],
        ['csm', 'csm-w', 'mgr-w'],
        ['sales_rep', 'ae-w'],
        // The manager of the renewal launched from the browser (as npm start's local manager key is).
        ['csm_manager', 'mgr-l', 'dir-w'],
      ]),
    );
    keys['int-w'] = await stack.keyFor('integration', 'int-w', { scopes: ['signals', 'account_facts'] });
    const secret = (await new SigningSecretStore(stack.db).create('int-w')).secret;
    for (const [account, arrCents] of [
      ['acc-web-1', 42_000_000],
      ['acc-web-2', 18_000_000],
      ['acc-web-3', 7_500_000],
    ] as const) {
      const facts = anAccount(account, {
        name: `${account} Corp`,
        arrCents,
        ownerCsmId: 'csm-w',
        csmManagerId: 'mgr-w',
      });
      await must(
        'launch',
        stack.request('POST', '/renewals', { key: keys['ops-w'], body: { account: facts, renewalDate } }),
      );
      await must(
        'save',
        stack.request('POST', '/saves', {
          key: keys['ops-w'],
          body: aSaveStart(account, renewalDate, { triggerReasons: ['competitor'] }),
        }),
      );
    }
    await stack.readWhen(`/saves/${e(saveId)}`, keys['ops-w']!);
    await must(
      'issue',
      stack.request('POST', `/saves/${e(saveId)}/issues`, {
        key: keys['csm-w'],
        body: {
          description: 'Tickets take a week',
          source: 'tickets',
          frequency: 9,
          dealBreaker: true,
          fixable: true,
          quickFix: true,
          impact: 4,
        },
      }),
    );
    const ask = (pct: number) => ({
      type: 'discount',
      discountPct: pct,
      rationale: {
        businessRationale: 'Reference customer',
        expectedOutcome: '2-year renewal',
        alternativesConsidered: 'Service credits',
        riskFactors: 'Competitor',
      },
      sunset: 'year 1 only',
      tiedTo: '2-year commitment',
      overrideReason: 'Budget cut announced',
    });
    // 10% needs a CSM manager, 20% a director (the approval matrix's defaults); a second 10% goes stale below.
    for (const [name, pct] of [
      ['within', 10],
      ['beyond', 20],
      ['stale', 8],
    ] as const)
      concessions[name] = (
        await must(
          'concession',
          stack.request('POST', `/saves/${e(saveId)}/concessions`, { key: keys['csm-w'], body: ask(pct) }),
        )
      ).id;
    // A sponsor departure raises an alert for the account's CSM and his manager.
    await must(
      'event',
      stack.postEvent(keys['int-w'], secret, {
        eventId: 'web-sd-1',
        source: 'int-w',
        accountId: 'acc-web-1',
        type: 'sponsor_departure',
        occurredAt: new Date().toISOString(),
        payload: { reason: 'departed' },
      }),
    );
    alertId = await waitUntil(
      async () =>
        (await stack.db.query<Array<{ id: string }>>("SELECT id FROM alerts WHERE account_id = 'acc-web-1' LIMIT 1"))[0]
          ?.id,
      30_000,
      'the alert of acc-web-1',
    );
    taskId = await waitUntil(
      async () => {
        const r = await rest(`/renewals/${e(renewalId)}`);
        return r.body?.tasks?.find((t: { state: string }) => t.state === 'open')?.id as string | undefined;
      },
      20_000,
      'an open task of the renewal',
    );

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
  }, 900_000); // apt-get may install chromium first

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(webDir, { recursive: true, force: true });
    process.stderr.write(`[browser] screenshots of this run: ${shots}\n`);
    if (process.env.RETAIN_SCREENSHOTS_DIR) {
      mkdirSync(process.env.RETAIN_SCREENSHOTS_DIR, { recursive: true });
      for (const name of [
        'pipeline',
        'save',
        'renewals',
        'alerts',
        'metrics',
        'my-day',
        'start-save',
        'save-worked',
        'backtests',
      ])
        copyFileSync(join(shots, `${name}.png`), join(process.env.RETAIN_SCREENSHOTS_DIR, `${name}.png`));
    }
  }, 60_000);

  it('ships at most 300 KB of JavaScript, gzipped', () => {
    const { files, bytes } = gzippedJsBytes(webDir);
    process.stderr.write(
      `[browser] JavaScript shipped: ${files.length} file(s), ${(bytes / 1024).toFixed(1)} KB gzipped\n`,
    );
    expect(files.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(JS_BUDGET_BYTES);
  });

  it('serves the app under /app outside the key guard, with a CSP, and sends unknown /app paths to the app', async () => {
    const index = await fetch(`${stack.baseUrl}/app/saves/anything`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<div id="root"></div>');
    // The REST API still wants a key.
    expect((await fetch(`${stack.baseUrl}/saves`)).status).toBe(401);
  });

  it('refuses a wrong key with the problem, then signs in by keyboard with the key kept for the session only', async () => {
    await page.goto(`${stack.baseUrl}/app/`);
    await page.getByLabel('API key').fill('rk_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await shot('sign-in');
    await accessible('sign-in');

    await page.getByLabel('API key').fill(keys['mgr-w']!);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('csm manager');
    const stored = await page.evaluate(() => ({
      session: (globalThis as any).sessionStorage.getItem('retain.apiKey'),
      local: (globalThis as any).localStorage.length,
    }));
    expect(stored).toEqual({ session: keys['mgr-w'], local: 0 });
    await page.getByRole('heading', { name: 'My day' }).waitFor();
    // The approvals waiting for him are GET /me/approvals' (the 10% and 8% discounts need a CSM manager).
    const approvals = (await rest('/me/approvals')).body.items;
    expect(approvals.map((a: { concessionId: string }) => a.concessionId).sort()).toEqual(
      [concessions.within, concessions.stale].sort(),
    );
    await page.getByTestId('my-approvals').waitFor();
    expect(await page.getByTestId('my-approvals').locator('li').count()).toBe(approvals.length);
    const unread = (await rest('/notifications?limit=1')).body.unread;
    await page
      .getByTestId('unread-count')
      .filter({ hasText: `${unread} unread` })
      .waitFor();
    await shot('my-day');
    await accessible('my day');
  });

  it('shows each role the pages its key may read (GET /me)', async () => {
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      const refused: string[] = [];
      let inFlight = 0;
      p.on('request', () => void (inFlight += 1));
      p.on('requestfinished', async (r) => {
        const status = (await r.response())?.status() ?? 0;
        if (status >= 400) refused.push(`${status} ${r.url()}`);
        inFlight -= 1;
      });
      p.on('requestfailed', (r) => {
        refused.push(`failed ${r.url()}`);
        inFlight -= 1;
      });
      await p.goto(`${stack.baseUrl}/app/`);
      await p.getByLabel('API key').fill(keys['ae-w']!);
      await p.getByRole('button', { name: 'Sign in' }).click();
      const nav = p.getByRole('navigation', { name: 'Main' });
      await nav.waitFor();
      // His day asks nothing his key may not read: no approvals section (he decides none), no refused request.
      // Every request My day made has finished (its tasks shown, nothing in flight).
      await p.getByRole('heading', { name: 'My day' }).waitFor();
      await p.getByText('Nothing due.').or(p.getByTestId('my-tasks')).first().waitFor();
      await waitUntil(async () => (inFlight === 0 ? true : undefined), 10_000, 'My day’s requests to finish');
      expect(await p.getByRole('heading', { name: 'Approvals waiting for me' }).count()).toBe(0);
      expect(refused).toEqual([]);
      // A sales rep reads renewals and accounts, not saves, alerts or metrics (docs/access.md).
      expect(await nav.getByRole('link').allTextContents()).toEqual(['My day', 'Renewals']);
      const can = (await stack.request('GET', '/me', { key: keys['ae-w'] })).body.can.map(
        (c: { capability: string }) => c.capability,
      );
      expect(can).toContain('renewal.read');
      expect(can).not.toContain('save.read');
    } finally {
      await other.close();
    }
  });

  it('shows the save pipeline as GET /saves orders it, reached by keyboard', async () => {
    await tabTo(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Save pipeline' }));
    await page.keyboard.press('Enter');
    const table = page.getByTestId('saves-table');
    await table.waitFor();
    const shown = await table.locator('tbody tr th a').allTextContents();
    const api = (await rest('/saves?sort=arr&limit=25')).body.items.map((s: { accountName: string }) => s.accountName);
    expect(shown).toEqual(api);
    expect(shown).toEqual(['acc-web-1 Corp', 'acc-web-2 Corp', 'acc-web-3 Corp']);
    await shot('pipeline');
    await accessible('pipeline');
    // Sorting by deadline asks the api for that order.
    const answered = page.waitForResponse((r) => r.url().includes('/saves?') && r.url().includes('sort=deadline'));
    await page.getByLabel('Sort by').selectOption('deadline');
    expect((await answered).status()).toBe(200);
  });

  it('approves a concession within the manager authority and offers no approval beyond it; the api agrees', async () => {
    await page.getByRole('link', { name: 'acc-web-1 Corp' }).click();
    await page.getByRole('heading', { name: /Save: acc-web-1 Corp/ }).waitFor();
    const within = page.getByTestId(`concession-${concessions.within}`);
    const beyond = page.getByTestId(`concession-${concessions.beyond}`);
    await within.getByRole('button', { name: 'Approve' }).waitFor();
    expect(await beyond.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await beyond.getByTestId('beyond-authority').textContent()).toContain('director');
    await shot('save');
    await accessible('save');

    await within.getByRole('button', { name: 'Approve' }).click();
    await within.getByText('approved', { exact: true }).waitFor();
    const after = await restWhen(
      `/saves/${e(saveId)}`,
      (b) => concessionOf(b, concessions.within!).state !== 'pending',
      'the approval in the read model',
    );
    expect(concessionOf(after, concessions.within!)).toMatchObject({ state: 'approved' });
    expect(concessionOf(after, concessions.within!).chain.at(-1)).toMatchObject({ action: 'approved', by: 'mgr-w' });
    // Beyond his authority the api refuses him too, and the concession still waits for a director.
    const refused = await stack.request('POST', `/saves/${e(saveId)}/concessions/${concessions.beyond}/approve`, {
      key: keys['mgr-w'],
      body: {},
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'SAVE.CONCESSION_BEYOND_AUTHORITY']);
    expect(concessionOf(after, concessions.beyond!)).toMatchObject({ state: 'pending', requiredRole: 'director' });
  });

  it('changes a remediation plan item state, the api asking for evidence first', async () => {
    const planItemId = (await rest(`/saves/${e(saveId)}`)).body.planItems[0].id as string;
    const item = page.getByTestId(`plan-item-${planItemId}`);
    await item.getByLabel('New state').selectOption('done');
    await item.getByRole('button', { name: 'Change state' }).click();
    // Done without evidence is refused by the api; the page shows its problem.
    await item.getByRole('alert').waitFor();
    expect((await rest(`/saves/${e(saveId)}`)).body.planItems[0].state).toBe('in_progress');
    await item.getByLabel('Evidence').fill('Ticket replies within a day since Monday');
    await item.getByRole('button', { name: 'Change state' }).click();
    await item.locator('.pill-done').waitFor();
    const done = await restWhen(`/saves/${e(saveId)}`, (b) => b.planItems[0].state === 'done', 'the plan item done');
    expect(done.planItems[0]).toMatchObject({
      state: 'done',
      evidence: 'Ticket replies within a day since Monday',
    });
  });

  it('logs a conversation on the save', async () => {
    const form = page.getByRole('form', { name: 'Log a conversation' });
    await form.getByLabel('Stage').selectOption('listen');
    await form.getByLabel('Result').fill('They need faster ticket replies before the renewal');
    await form.getByRole('button', { name: 'Log conversation' }).click();
    await page.getByText('They need faster ticket replies before the renewal').waitFor();
    const logged = await stack.readWhen(
      `/saves/${e(saveId)}`,
      keys['mgr-w']!,
      (b) => b.conversations.length > 0,
      'the conversation in the read model',
    );
    expect(logged.conversations.at(-1)).toMatchObject({
      by: 'mgr-w',
      stage: 'listen',
      result: 'They need faster ticket replies before the renewal',
    });
  });

  it('escalates the save to an executive and marks the protocol steps in order', async () => {
    await page.getByText('Escalate to an executive').click();
    const form = page.getByRole('form', { name: 'Executive brief' });
    for (const [field, text] of [
      ['History with the customer', 'Customer since 2021, two renewals'],
      ['The issues', 'Ticket replies take a week'],
      ['The plan so far', 'Fast fix on support'],
      ['What the executive should achieve', 'Commitment to the 2-year renewal'],
      ['Talking points', 'Support plan, roadmap'],
      ['Timing', 'This week'],
    ] as const)
      await form.getByLabel(field).fill(text);
    await form.getByRole('button', { name: 'Start escalation' }).click();
    const steps = page.getByTestId('escalation-steps');
    await steps.waitFor();
    const started = await restWhen(`/saves/${e(saveId)}`, (b) => b.escalation !== null, 'the escalation');
    const next = started.escalation.steps.find((x: { completedAt: string | null }) => !x.completedAt).step as string;
    await page.getByRole('button', { name: `Mark ${next.replace(/_/g, ' ')} done` }).click();
    const marked = await restWhen(
      `/saves/${e(saveId)}`,
      (b) => !!b.escalation.steps.find((x: { step: string }) => x.step === next).completedAt,
      `the ${next} step done`,
    );
    expect(marked.escalation.steps.find((x: { step: string }) => x.step === next)).toMatchObject({ by: 'mgr-w' });
    await accessible('save with its escalation');
  });

  it('shows the api problem when a decision is refused (a concession decided meanwhile)', async () => {
    const stale = page.getByTestId(`concession-${concessions.stale}`);
    await stale.getByRole('button', { name: 'Approve' }).waitFor();
    await must(
      'director rejects',
      stack.request('POST', `/saves/${e(saveId)}/concessions/${concessions.stale}/reject`, {
        key: keys['dir-w'],
        body: { note: 'Not this quarter' },
      }),
    );
    await stale.getByRole('button', { name: 'Approve' }).click();
    const problem = stale.getByRole('alert');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/409|SAVE\.ALREADY_DECIDED/);
    const after = await restWhen(
      `/saves/${e(saveId)}`,
      (b) => concessionOf(b, concessions.stale!).state !== 'pending',
      'the rejection in the read model',
    );
    expect(concessionOf(after, concessions.stale!)).toMatchObject({ state: 'rejected' });
  });

  it('completes a renewal task from the renewal page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Renewals' }).click();
    await page.getByTestId('renewals-table').waitFor();
    await shot('renewals');
    await accessible('renewals');
    await page.getByTestId('renewals-table').getByRole('link', { name: 'acc-web-1 Corp' }).click();
    const task = page.getByTestId(`task-${taskId}`);
    await task.waitFor();
    await shot('renewal');
    await accessible('renewal');
    await task.getByRole('button', { name: 'Complete task' }).click();
    await task.waitFor({ state: 'detached' });
    const taskOf = (b: any) => b.tasks.find((t: { id: string }) => t.id === taskId);
    const after = await restWhen(`/renewals/${e(renewalId)}`, (b) => taskOf(b).state !== 'open', 'the task done');
    expect(taskOf(after)).toMatchObject({ state: 'done', completedBy: 'mgr-w' });
  });

  it('acknowledges an alert by keyboard and the badge drops', async () => {
    const badge = page.getByTestId('alerts-badge');
    const before = Number(await badge.textContent());
    const notificationsAbout = (await rest('/notifications?unread=true&limit=200')).body.items.filter(
      (n: { alertIds: string[] }) => n.alertIds.includes(alertId),
    ).length;
    const openBefore = (await rest('/alerts?state=open&limit=100')).body.items.length;
    expect(before).toBe(openBefore);
    expect(before).toBeGreaterThan(0);
    await page.getByRole('link', { name: /^Alerts/ }).click();
    const row = page.getByTestId(`alert-${alertId}`);
    await row.waitFor();
    await shot('alerts');
    await accessible('alerts');
    await tabTo(page, row.getByRole('button', { name: 'Acknowledge' }));
    await page.keyboard.press('Enter');
    await row.waitFor({ state: 'detached' });
    if (before === 1) await badge.waitFor({ state: 'detached' });
    else
      await page
        .getByTestId('alerts-badge')
        .filter({ hasText: String(before - 1) })
        .waitFor();
    const acknowledged = await restWhen(
      '/alerts?state=acknowledged&limit=100',
      (b) => b.items.some((a: { id: string }) => a.id === alertId),
      'the alert acknowledged',
    );
    const alert = acknowledged.items.find((a: { id: string }) => a.id === alertId);
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'mgr-w' });
    expect((await rest('/alerts?state=open&limit=100')).body.items.length).toBe(before - 1);
    // Its notifications are marked read with it: the unread badge is the api's count.
    const unreadAfter = await waitUntil(
      async () => {
        const r = (await rest('/notifications?unread=true&limit=200')).body;
        return r.items.some((n: { alertIds: string[] }) => n.alertIds.includes(alertId)) ? undefined : r.unread;
      },
      10_000,
      "the alert's notifications read",
    );
    process.stderr.write(`[browser] notifications about the alert marked read: ${notificationsAbout}\n`);
    if (unreadAfter === 0) await page.getByTestId('unread-badge').waitFor({ state: 'detached' });
    else
      await page
        .getByTestId('unread-badge')
        .filter({ hasText: String(unreadAfter) })
        .waitFor();
  });

  it("shows the account's risk page and the metrics", async () => {
    await page.goto(`${stack.baseUrl}/app/accounts/acc-web-1/risk`);
    await page.getByRole('heading', { name: 'Account risk: acc-web-1' }).waitFor();
    await shot('account-risk');
    await accessible('account risk');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Metrics' }).click();
    await page.getByRole('heading', { name: 'Forecast by risk category' }).waitFor();
    await page.getByRole('caption').filter({ hasText: 'By quarter' }).waitFor();
    await page.getByRole('caption').filter({ hasText: 'Undecided renewals from today' }).waitFor();
    await shot('metrics');
    await accessible('metrics');
  });

  it("shows a director the back-tests with the report's figures side by side and a sweep's rows, and a manager none", async () => {
    const from = addDays(today, -365);
    const posted = await must(
      'back-test',
      stack.request('POST', '/policy/backtests', {
        key: keys['dir-w'],
        body: { from, to: today, sweep: 'earlyWarning.usage.activeUsers.dropPctBySegment.enterprise=20..40:10' },
      }),
    );
    const id = posted.id as string;
    await waitUntil(
      async () => {
        const r = await stack.request('GET', `/policy/backtests/${e(id)}`, { key: keys['dir-w'] });
        return r.body?.status === 'done' ? true : undefined;
      },
      120_000,
      `back-test ${id} done`,
    );
    // The manager's metrics page has no back-tests section (he may not read them: docs/access.md).
    await page.goto(`${stack.baseUrl}/app/metrics`);
    await page.getByRole('heading', { name: 'Forecast by risk category' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Back-tests' }).count()).toBe(0);
    const other = await browser.newContext();
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(20_000);
      await p.goto(`${stack.baseUrl}/app/`);
      await p.getByLabel('API key').fill(keys['dir-w']!);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Metrics' }).click();
      await p.getByRole('heading', { name: 'Back-tests' }).waitFor();
      await p.getByTestId('backtests').getByRole('row').nth(1).waitFor();
      // The newest done one is shown: the policy in force beside each sweep value, and the sweep's rows.
      const detail = p.getByTestId('backtest-detail');
      await detail.getByRole('heading', { name: `${id}: done` }).waitFor();
      const totals = p.getByTestId('backtest-totals');
      expect(await totals.getByRole('columnheader').count()).toBe(1 + 1 + 3);
      await totals.getByRole('rowheader', { name: 'Precision' }).waitFor();
      expect(await p.getByTestId('backtest-sweep').getByRole('rowheader').allTextContents()).toEqual([
        '20',
        '30',
        '40',
      ]);
      expect((await p.getByTestId('backtest-recommendation').textContent())?.length).toBeGreaterThan(0);
      await p
        .getByRole('img', { name: /Sweep of earlyWarning.usage.activeUsers.dropPctBySegment.enterprise/ })
        .waitFor();
      await shot('backtests', p);
      await accessible('back-tests', p);
    } finally {
      await other.close();
    }
  });

  it("writes a lost save's debrief", async () => {
    const lostId = `save:acc-web-3:${renewalDate}`;
    await must(
      'outcome',
      stack.request('POST', `/saves/${e(lostId)}/outcome`, {
        key: keys['csm-w'],
        body: { result: 'lost', kind: 'lost', reason: 'Budget gone', competitor: 'Rival' },
      }),
    );
    await stack.readWhen(`/saves/${e(lostId)}`, keys['mgr-w']!, (b) => b.outcome !== null, 'the lost save');
    await page.goto(`${stack.baseUrl}/app/saves/${e(lostId)}`);
    const form = page.getByRole('form', { name: 'Debrief' });
    await form.getByLabel('The real reasons').fill('Their budget moved to a platform project');
    await form.getByLabel('What to change').fill('Ask about budget at T-90');
    await form.getByRole('button', { name: 'Save debrief' }).click();
    await page.getByText(/last written by mgr-w/).waitFor();
    const debrief = await restWhen(
      `/saves/${e(lostId)}/debrief`,
      (b) => b.answers.realReasons !== undefined,
      'the debrief answers',
    );
    expect(debrief.answers).toMatchObject({
      realReasons: 'Their budget moved to a platform project',
      whatToChange: 'Ask about budget at T-90',
    });
    await accessible('lost save with its debrief');
  });

  it('offers no launch form to a sales rep or a manager, whose keys may not launch', async () => {
    for (const who of ['ae-w', 'mgr-w']) {
      const other = await browser.newContext();
      try {
        const p = await other.newPage();
        await p.goto(`${stack.baseUrl}/app/`);
        await p.getByLabel('API key').fill(keys[who]!);
        await p.getByRole('button', { name: 'Sign in' }).click();
        await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Renewals' }).click();
        // The page has drawn what it read (a sales rep of no account has no renewal, a manager his team's).
        await p
          .getByText(/^No renewal in the coming year/)
          .or(p.getByTestId('renewals-table'))
          .first()
          .waitFor();
        expect([who, await p.getByRole('button', { name: 'Launch a renewal' }).count()]).toEqual([who, 0]);
        expect(await p.getByRole('form', { name: 'Launch a renewal' }).count()).toBe(0);
        const can = (await stack.request('GET', '/me', { key: keys[who] })).body.can.map(
          (c: { capability: string }) => c.capability,
        );
        expect([who, can.includes('renewal.launch')]).toEqual([who, false]);
      } finally {
        await other.close();
      }
    }
    // The api refuses them a launch too.
    const refused = await stack.request('POST', '/renewals', {
      key: keys['ae-w'],
      body: { account: anAccount('acc-web-ae', { ownerCsmId: 'csm-w' }), renewalDate },
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
  }, 120_000);

  it('first run: cs_ops launches a renewal and starts its save in the browser; its manager re-triages, adds a plan item, asks a concession and records the outcome', async () => {
    const launchedDate = addDays(today, 60);
    const launchedSave = `save:acc-web-launch:${launchedDate}`;
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const p = await other.newPage();
      p.setDefaultTimeout(20_000);
      p.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      p.on('pageerror', (err) => consoleErrors.push(String(err)));
      // Every answer of the scenario: none may be a 4xx or 5xx but the one bad date sent on purpose.
      const refused: string[] = [];
      const launchKeys: string[] = [];
      let inFlight = 0;
      p.on('request', () => void (inFlight += 1));
      p.on('requestfinished', async (r) => {
        const status = (await r.response())?.status() ?? 0;
        const url = new URL(r.url());
        if (r.method() === 'POST' && url.pathname === '/renewals' && status < 300)
          launchKeys.push((await r.allHeaders())['idempotency-key'] ?? '');
        if (status >= 400) refused.push(`${status} ${r.method()} ${decodeURIComponent(url.pathname)}`);
        inFlight -= 1;
      });
      p.on('requestfailed', (r) => {
        refused.push(`failed ${r.method()} ${r.url()}`);
        inFlight -= 1;
      });
      /** Every request made so far has finished and been looked at. */
      const settled = () =>
        waitUntil(async () => (inFlight === 0 ? true : undefined), 10_000, 'the requests to finish');
      const signIn = async (key: string) => {
        await p.getByLabel('API key').fill(key);
        await p.getByRole('button', { name: 'Sign in' }).click();
        await p.getByRole('navigation', { name: 'Main' }).waitFor();
      };

      await p.goto(`${stack.baseUrl}/app/`);
      await signIn(keys['ops-w']!);
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Renewals' }).click();
      await p.getByRole('button', { name: 'Launch a renewal' }).click();
      const launch = p.getByRole('form', { name: 'Launch a renewal' });
      await launch.getByLabel('Account id').fill('acc-web-launch');
      await launch.getByLabel('Account name').fill('Launched Corp');
      await launch.getByLabel('ARR (US$)').fill('90000');
      await launch.getByLabel('Segment').selectOption('mid_market');
      await launch.getByLabel('Time zone').fill('Europe/Berlin');
      await launch.getByLabel('Owner CSM id').fill('csm-l');
      await launch.getByLabel('CSM manager id').fill('mgr-l');
      // On purpose: a date beyond the policy's launch window, which only the api knows; its field error shows under it.
      await launch.getByLabel('Renewal date').fill(addDays(today, 1200));
      await launch.getByRole('button', { name: 'Launch renewal' }).click();
      const dateError = launch.locator('.field-error').filter({ hasText: 'days ahead' });
      await dateError.waitFor();
      expect(await launch.getByLabel('Renewal date').getAttribute('aria-invalid')).toBe('true');
      expect(await launch.getByRole('alert').textContent()).toMatch(/400.*VALIDATION\.FAILED/);
      await shot('launch-refused', p);
      await accessible('launch form with a refused date', p);
      await settled();
      expect(refused).toEqual(['400 POST /renewals']);

      // Fixed, and submitted twice in a row: one launch, one Idempotency-Key; the renewal's page follows.
      await launch.getByLabel('Renewal date').fill(launchedDate);
      await launch.getByRole('button', { name: 'Launch renewal' }).dblclick();
      await p.getByRole('heading', { name: /^Renewal: / }).waitFor();
      expect(decodeURIComponent(new URL(p.url()).pathname)).toBe(
        `/app/renewals/renewal:acc-web-launch:${launchedDate}`,
      );
      await settled();
      expect(launchKeys.length).toBeGreaterThan(0);
      expect(new Set(launchKeys).size).toBe(1);

      const start = p.getByRole('form', { name: 'Start a save' });
      await start.getByLabel('Why (one reason a line)').fill('Competitor evaluation\nUsage down 40%');
      for (const [field, value] of [
        ['Can the issues be fixed?', 'yes'],
        ['Relationship', 'strained'],
        ['Alternative', 'evaluating'],
        ['Budget', 'confirmed'],
        ['Stakeholders', 'mixed'],
        ['Root cause', 'service_experience'],
      ] as const)
        await start.getByLabel(field, { exact: true }).selectOption(value);
      await shot('start-save', p);
      await accessible('renewal with the start-a-save form', p);
      await start.getByRole('button', { name: 'Start the save' }).click();
      await p.getByRole('heading', { name: /^Save: Launched Corp/ }).waitFor();
      expect(decodeURIComponent(new URL(p.url()).pathname)).toBe(`/app/saves/${launchedSave}`);
      const started = await stack.readWhen(`/saves/${e(launchedSave)}`, keys['ops-w']!, undefined, 'the save started');
      expect(started).toMatchObject({
        status: 'active',
        triggerReasons: ['Competitor evaluation', 'Usage down 40%'],
        facts: { relationship: 'strained', alternative: 'evaluating' },
        account: { id: 'acc-web-launch', ownerCsmId: 'csm-l', csmManagerId: 'mgr-l' },
      });
      // cs_ops reads the save but does not work it: no re-triage, no plan item offered.
      expect(await p.getByText('Re-triage', { exact: true }).count()).toBe(0);
      expect(await p.getByText('Add a plan item', { exact: true }).count()).toBe(0);

      // The account's CSM manager signs in, finds the save in his pipeline and works it.
      await p.getByRole('button', { name: 'Sign out' }).click();
      await signIn(keys['mgr-l']!);
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Save pipeline' }).click();
      await p.getByTestId('saves-table').getByRole('link', { name: 'Launched Corp' }).click();
      await p.getByRole('heading', { name: /^Save: Launched Corp/ }).waitFor();

      await p.locator('summary').filter({ hasText: 'Re-triage' }).click();
      const triage = p.getByRole('form', { name: 'Re-triage' });
      await triage.getByLabel('Alternative').selectOption('committed');
      await triage.getByLabel('Logo').check();
      await triage.getByLabel('Reason').fill('They signed a letter of intent with a rival');
      await triage.getByRole('button', { name: 'Re-triage' }).click();
      await p.getByTestId('triage-cause').filter({ hasText: 're-triaged by mgr-l' }).waitFor();
      const retriaged = await stack.readWhen(
        `/saves/${e(launchedSave)}`,
        keys['mgr-l']!,
        (b) => b.triageHistory.length > started.triageHistory.length,
        'the re-triage in the read model',
      );
      expect(retriaged.facts).toMatchObject({ alternative: 'committed', relationship: 'strained' });
      expect(retriaged.strategicFlags).toMatchObject({ logo: true });
      expect(retriaged.triage.cause).toBe('re-triaged by mgr-l: They signed a letter of intent with a rival');

      await p.locator('summary').filter({ hasText: 'Add a plan item' }).click();
      const plan = p.getByRole('form', { name: 'Add a plan item' });
      await plan.getByLabel('Issue', { exact: true }).fill('Support replies take a week');
      await plan.getByLabel('Root cause').fill('One support engineer for the region');
      await plan.getByLabel('Fix', { exact: true }).fill('A named support engineer with a 24 h reply target');
      await plan.getByLabel('Owner id').fill('csm-l');
      await plan.getByLabel('Due').fill(`${addDays(today, 10)}T17:00`);
      await plan.getByLabel('Success metric').fill('Replies within 24 h for 4 weeks');
      await plan.getByRole('button', { name: 'Add plan item' }).click();
      await p.getByText('A named support engineer with a 24 h reply target').first().waitFor();
      const planned = await stack.readWhen(
        `/saves/${e(launchedSave)}`,
        keys['mgr-l']!,
        (b) => b.planItems.some((i: { fix: string }) => i.fix === 'A named support engineer with a 24 h reply target'),
        'the plan item in the read model',
      );
      expect(
        planned.planItems.find((i: { fix: string }) => i.fix === 'A named support engineer with a 24 h reply target'),
      ).toMatchObject({
        issue: 'Support replies take a week',
        ownerId: 'csm-l',
        state: 'in_progress',
        successMetric: 'Replies within 24 h for 4 weeks',
      });
      await shot('save-worked', p);
      await accessible('save worked by its manager', p);

      // He asks for a concession (pending, for its approver) and, the customer staying, records the outcome.
      await p.locator('summary').filter({ hasText: 'Request a concession' }).click();
      const ask = p.getByRole('form', { name: 'Request a concession' });
      await ask.getByLabel('Kind').selectOption('payment_terms');
      await ask.getByLabel('Terms').fill('Quarterly billing in arrears');
      await ask.getByLabel('Business rationale').fill('Their budget is released quarterly');
      await ask.getByLabel('Expected outcome').fill('Renewal at full scope');
      await ask.getByLabel('Alternatives considered').fill('A discount, which the root cause does not call for');
      await ask.getByLabel('Risk factors').fill('Cash flow on our side for one year');
      await ask.getByLabel('Sunset (when it ends)').fill('This term only');
      await ask.getByLabel('Tied to (what the customer gives)').fill('A signed renewal by the deadline');
      await ask.getByRole('button', { name: 'Request concession' }).click();
      await p.getByText('Quarterly billing in arrears').first().waitFor();
      const asked = await stack.readWhen(
        `/saves/${e(launchedSave)}`,
        keys['mgr-l']!,
        (b) => b.concessions.length === 1,
        'the concession in the read model',
      );
      expect(asked.concessions[0]).toMatchObject({ type: 'payment_terms', state: 'pending', requestedBy: 'mgr-l' });

      await p.locator('summary').filter({ hasText: 'Record the outcome' }).click();
      const outcome = p.getByRole('form', { name: 'Record the outcome' });
      await outcome.getByLabel('Result').selectOption('saved');
      await outcome.getByLabel('How').selectOption('full');
      await outcome.getByLabel('Reason').fill('Support fixed and billing moved to quarterly');
      await outcome.getByRole('button', { name: 'Record outcome' }).click();
      await p.getByText('Support fixed and billing moved to quarterly').first().waitFor();
      const decided = await stack.readWhen(
        `/saves/${e(launchedSave)}`,
        keys['mgr-l']!,
        (b) => b.outcome !== null && b.status !== 'active',
        'the outcome in the read model',
      );
      expect(decided).toMatchObject({
        status: 'saved',
        outcome: { result: 'saved', kind: 'full', decidedBy: 'mgr-l' },
      });
      await shot('save-decided', p);
      await accessible('save with its outcome', p);
      await settled();
      expect(refused).toEqual(['400 POST /renewals']);
    } finally {
      await other.close();
    }
  }, 180_000);

  it('shows the first page of a pipeline of 10,000 saves (time printed, not asserted)', async () => {
    // 10,000 saves of the manager's team, each row carrying a real save's state (as bench/managers-list.mjs generates them).
    const n = 10_000;
    await stack.db.query(
      `INSERT INTO accounts (id, name, arr_cents, segment, time_zone, owner_csm_id, csm_manager_id)
       SELECT 'gen-' || g, 'Generated ' || g, 0, (ARRAY['enterprise','mid_market','smb'])[1 + g % 3], 'UTC', 'csm-w', 'mgr-w'
         FROM generate_series(1, $1::int) g`,
      [n],
    );
    await stack.db.query(
      `INSERT INTO save_efforts (id, renewal_id, account_id, renewal_date, status, effort_level, probability_tier, value_tier, time_band, deadline,
                                 arr_cents, segment, owner_csm_id, csm_manager_id, overdue_items, expected_value_hours, state, revision, started_at, updated_at)
       SELECT 'save:gen-' || g || ':' || d::text, 'renewal:gen-' || g || ':' || d::text, 'gen-' || g, d,
              (ARRAY['active','saved','lost','exited'])[1 + g % 4], (ARRAY['full','standard','light','none'])[1 + (g * 7) % 4],
              (ARRAY['high','medium','low'])[1 + (g * 11) % 3], (ARRAY['high','medium','low'])[1 + (g * 13) % 3],
              (ARRAY['comprehensive','compressed','emergency'])[1 + (g * 17) % 3], now() + (g % 120) * interval '1 day',
              100000 + (g * 7919) % 50000000, (ARRAY['enterprise','mid_market','smb'])[1 + g % 3], 'csm-w', 'mgr-w',
              g % 4, 10, (SELECT state FROM save_efforts WHERE id = $2), 1, now(), now()
         FROM (SELECT g, current_date + (g % 365) AS d FROM generate_series(1, $1::int) g) x`,
      [n, saveId],
    );
    await stack.db.query('ANALYZE save_efforts');
    const api = await rest('/saves?sort=arr&limit=25');
    expect([api.body.items.length, typeof api.body.nextCursor]).toEqual([25, 'string']);

    const started = Date.now();
    await page.goto(`${stack.baseUrl}/app/saves`);
    const rows = page.getByTestId('saves-table').locator('tbody tr');
    await rows.nth(24).waitFor();
    const wall = Date.now() - started;
    const sinceNavigation = await page.evaluate(() => Math.round((globalThis as any).performance.now() as number));
    expect(await rows.count()).toBe(25);
    expect(await rows.locator('th a').allTextContents()).toEqual(api.body.items.map((x: any) => x.accountName));
    process.stderr.write(
      `[browser] pipeline of ${n + 3} saves: first page shown ${wall} ms after navigation started (${sinceNavigation} ms in the page's clock; budget 1000 ms)\n`,
    );
    // The next keyset page is the api's page after the cursor it answered.
    const second = (await rest(`/saves?sort=arr&limit=25&cursor=${e(api.body.nextCursor)}`)).body.items;
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByTestId('saves-table').getByRole('link', { name: second[0].accountName, exact: true }).waitFor();
    expect(await rows.locator('th a').allTextContents()).toEqual(second.map((x: any) => x.accountName));
  });

  it('met no script error and no CSP violation on any page', () => {
    expect(consoleErrors.filter((m) => !/status of 40\d/.test(m))).toEqual([]);
  });
});
