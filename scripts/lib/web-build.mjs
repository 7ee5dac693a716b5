// Builds the web app (apps/web: React, TypeScript) with Vite into dist/web, served by the api under /app.
import { join } from 'node:path';
import { repoRoot } from './common.mjs';

export const WEB_SOURCE = join(repoRoot, 'apps', 'web');
export const WEB_DIST = join(repoRoot, 'dist', 'web');

/** @param {{ outDir?: string, quiet?: boolean }} [options] */
export async function buildWeb(options = {}) {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    root: WEB_SOURCE,
    mode: 'production',
    base: '/app/',
    configFile: false,
    logLevel: options.quiet ? 'error' : 'info',
    plugins: [react()],
    build: {
      outDir: options.outDir ?? WEB_DIST,
      emptyOutDir: true,
      sourcemap: false,
      target: 'es2022',
      chunkSizeWarningLimit: 600,
    },
  });
}
