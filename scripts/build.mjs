// Compiles apps, libs and workflows to dist/ (tsc, then tsc-alias to rewrite the
// @retain/* path aliases), then prebuilds the workflow bundle for production starts, then
// builds the web app (apps/web) with Vite into dist/web, which the api serves under /app.
//   --if-needed  skip when dist/ is newer than every source file
//   --quiet      print nothing unless something fails
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, repoRoot, run } from './lib/common.mjs';
import { WEB_DIST, buildWeb } from './lib/web-build.mjs';

const ifNeeded = process.argv.includes('--if-needed');
const quiet = process.argv.includes('--quiet');
const stamp = join(repoRoot, 'dist', '.build-stamp');
export const WORKFLOW_BUNDLE = join(repoRoot, 'dist', 'workflow-bundle.js');

/** @param {string} dir @returns {number} newest mtime of a source file (.ts, .tsx, .css, .html) under dir */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|tsx|css|html)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = Math.max(
  ...['apps', 'libs', 'workflows'].map((d) => newestSource(join(repoRoot, d))),
  statSync(join(repoRoot, 'tsconfig.json')).mtimeMs,
);
if (
  ifNeeded &&
  existsSync(stamp) &&
  statSync(stamp).mtimeMs >= sources &&
  existsSync(WORKFLOW_BUNDLE) &&
  existsSync(join(WEB_DIST, 'index.html'))
)
  process.exit(0);

const started = Date.now();
const bin = (/** @type {string} */ name) => join(repoRoot, 'node_modules', '.bin', name);
try {
  await run('build', bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: repoRoot }, { quiet });
  await run('build', bin('tsc-alias'), ['-p', 'tsconfig.build.json'], { cwd: repoRoot }, { quiet });
  await run(
    'build',
    process.execPath,
    [join(repoRoot, 'dist/apps/worker/src/build-workflow-bundle.js'), WORKFLOW_BUNDLE],
    { cwd: repoRoot },
    { quiet },
  );
  await buildWeb({ quiet });
} catch (error) {
  log('build', error instanceof Error ? error.message : String(error));
  process.exit(1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
if (!quiet) log('build', `done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
