import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@retain/config';

/**
 * `npm start` listens on loopback only unless told otherwise: the api (API_HOST), the
 * Temporal dev server's frontend and its Web UI (RETAIN_TEMPORAL_IP). Anyone who reaches
 * Temporal's frontend can signal workflows past the api's checks.
 */
describe('loopback unless told otherwise', () => {
  const root = join(__dirname, '../..');
  const argsOf = (env: Record<string, string>) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(root, 'scripts/lib/temporal-dev-server.mjs'))}); process.stdout.write(JSON.stringify(m.devServerArgs({ ip: process.env.RETAIN_TEMPORAL_IP ?? '127.0.0.1', port: 7233, uiPort: 8233, dbFile: 'x.sqlite' })));`,
        ],
        { env: { ...process.env, ...env }, encoding: 'utf8' },
      ),
    ) as string[];
  const valueOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

  it('binds the api to 127.0.0.1 by default, and to what API_HOST says', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' }).API_HOST).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db', API_HOST: '0.0.0.0' }).API_HOST).toBe('0.0.0.0');
  });

  it("binds Temporal's frontend and Web UI to the same loopback address", () => {
    const args = argsOf({});
    expect([valueOf(args, '--ip'), valueOf(args, '--ui-ip')]).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});
