// Builds the web app alone: `node scripts/build-web.mjs [outDir]` (default dist/web). The browser tests build into a
// directory of their own with it; `npm run build` builds it with the rest.
import { resolve } from 'node:path';
import { log } from './lib/common.mjs';
import { buildWeb } from './lib/web-build.mjs';

const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
try {
  await buildWeb({ ...(outDir ? { outDir } : {}), quiet: process.argv.includes('--quiet') });
} catch (error) {
  log('build-web', error instanceof Error ? error.message : String(error));
  process.exit(1);
}
