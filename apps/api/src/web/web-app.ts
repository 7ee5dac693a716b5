import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the app is served: the api's own origin, so the pages talk to the REST API without CORS. */
export const WEB_APP_PATH = '/app';

/**
 * The pages' Content-Security-Policy: scripts, styles and calls only from the api's own
 * origin (the REST API the pages talk to), no inline script, no framing, no plugins.
 * Chart.js draws on canvas and sets styles through the CSSOM, which `style-src 'self'` allows.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The default place of the built app: dist/web of the checkout (or the image) this module runs from. */
export function defaultWebDir(from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    const up = resolve(dir, '..');
    if (up === dir) return resolve('dist', 'web');
    dir = up;
  }
}

/**
 * Serves the built web app (Vite's output) under /app: files as they are, hashed assets
 * cached for a year, and every other /app/* path the app's index.html (its router draws
 * the page), never cached so a new build is picked up at once. Static files carry no
 * data: the pages call the REST API with the user's key, so this sits outside the key guard.
 * Answers nothing (next()) when the app is not built.
 */
export function webAppMiddleware(
  webDir: string,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const root = resolve(webDir);
  const indexFile = join(root, 'index.html');
  // Read on each request (a few hundred bytes): a rebuild is served without a restart.
  const indexHtml = (): Buffer | undefined => (existsSync(indexFile) ? readFileSync(indexFile) : undefined);
  // Plain Node request and response, so that either HTTP stack runs it (apps/api/src/http/http-platform.ts).
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
    const path = url.split('?')[0] ?? '';
    if (path !== WEB_APP_PATH && !path.startsWith(`${WEB_APP_PATH}/`)) return next();
    const html = indexHtml();
    if (!html) return next();
    if (path === WEB_APP_PATH) {
      const body = `Moved Permanently. Redirecting to ${WEB_APP_PATH}/`;
      res.statusCode = 301;
      res.setHeader('Location', `${WEB_APP_PATH}/`);
      res.setHeader('Content-Type', TYPES['.txt']!);
      res.setHeader('Content-Length', Buffer.byteLength(body));
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    let relative: string;
    try {
      relative = decodeURIComponent(path.slice(WEB_APP_PATH.length + 1));
    } catch {
      return next();
    }
    res.setHeader('Content-Security-Policy', WEB_APP_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const file = resolve(root, relative);
    const inside = file.startsWith(root + sep) && !relative.includes('\0');
    if (inside && relative && existsSync(file) && statSync(file).isFile() && file !== indexFile) {
      const hashed = relative.startsWith('assets/');
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
      const body = readFileSync(file);
      res.setHeader('Content-Length', body.length);
      res.statusCode = 200;
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    // A missing asset is a 404, not the page: a stale tab asking for an old build's file must not get HTML.
    if (relative.startsWith('assets/') || extname(relative) !== '') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Type', TYPES['.html']!);
    res.setHeader('Content-Length', html.length);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}
