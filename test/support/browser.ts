import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import axe from 'axe-core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium: playwright-core drives it (its own browser download does not work here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs Debian's chromium with apt when it is missing, saying so. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  process.stderr.write(
    `[browser] ${CHROMIUM} is missing: installing chromium with apt-get (apt-get install -y chromium)\n`,
  );
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const update = spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update'], {
    stdio: 'inherit',
  });
  const install = spawnSync(
    sudo[0] ?? 'apt-get',
    [...(sudo.length ? ['apt-get'] : []), 'install', '-y', '--no-install-recommends', 'chromium'],
    { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
  if (update.status !== 0 || install.status !== 0 || !existsSync(CHROMIUM))
    throw new Error(`could not install chromium with apt-get (exit ${install.status}); install it and run again`);
  return CHROMIUM;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    // As root in a container the sandbox cannot start; the pages are our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** Builds apps/web with Vite into `outDir` (scripts/build-web.mjs, in a process of its own: Vite is ES modules). */
export function buildWeb(repoRoot: string, outDir: string): void {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/build-web.mjs'), outDir, '--quiet'], {
    cwd: repoRoot,
    encoding: 'utf8',
    // jest runs with NODE_ENV=test; the app is built as it ships (React's production build).
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`the web build failed:\n${r.stdout}\n${r.stderr}`);
}

/** The gzipped size in bytes of every JavaScript file of a build (what a first visit downloads at most). */
export function gzippedJsBytes(outDir: string): { files: string[]; bytes: number } {
  const assets = join(outDir, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
  return { files, bytes: files.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0) };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core in the page (injected as a script) and answers its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return (result.violations as any[]).map((v) => ({
      id: v.id as string,
      impact: v.impact as string | null,
      help: v.help as string,
      targets: (v.nodes as any[]).slice(0, 5).map((n) => String(n.target)),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Presses Tab until `target` has the keyboard focus (at most `max` presses), as a keyboard
 * user reaches it; fails when Tab never gets there.
 */
export async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle();
  if (!handle) throw new Error('nothing to tab to');
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await handle.evaluate((el) => el === (globalThis as any).document.activeElement)) return;
  }
  throw new Error(`Tab did not reach the element in ${max} presses`);
}
