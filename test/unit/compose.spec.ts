import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS, REQUIRED_CONFIG_KEYS, loadConfig } from '@retain/config';

/**
 * There is no Docker engine here, so docker-compose.yml is kept honest by reading it:
 * its services, ports and environment must match the configuration schema the api and
 * the worker validate at start-up.
 */
const root = join(__dirname, '..', '..');

/** Compose's `${VAR:-default}` interpolation, with no variables set. */
function interpolate(value: unknown): string {
  return String(value).replace(
    /\$\{([A-Z_]+)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? '',
  );
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, unknown>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.yml', () => {
  it('has the production-like stack', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    for (const app of ['api', 'worker', 'migrate']) expect(services[app]!.build).toBe('.');
  });

  it.each(['api', 'worker', 'migrate'])(
    'gives %s only variables the configuration schema knows, all it requires, and valid values',
    (name) => {
      const vars = env(name);
      expect(Object.keys(vars).filter((k) => !(CONFIG_KEYS as string[]).includes(k))).toEqual([]);
      for (const required of REQUIRED_CONFIG_KEYS) expect(vars).toHaveProperty(required);
      expect(() => loadConfig(vars)).not.toThrow();
    },
  );

  it('points the apps at the postgres service with its own credentials', () => {
    const pg = env('postgres');
    for (const app of ['api', 'worker', 'migrate']) {
      const url = new URL(loadConfig(env(app)).DATABASE_URL);
      expect(url.hostname).toBe('postgres');
      expect(url.port).toBe('5432');
      expect(url.username).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    }
  });

  it('points the apps and the UI at the temporal service, which persists to postgres', () => {
    const temporalPorts = services.temporal!.ports!.map((p) => p.split(':').at(-1));
    for (const app of ['api', 'worker', 'temporal-ui']) {
      const [host, port] = env(app).TEMPORAL_ADDRESS!.split(':');
      expect(host).toBe('temporal');
      expect(temporalPorts).toContain(port);
    }
    const t = env('temporal');
    expect(t.DB).toBe('postgres12');
    expect(t.POSTGRES_SEEDS).toBe('postgres');
    expect(t.POSTGRES_USER).toBe(env('postgres').POSTGRES_USER);
    expect(t.POSTGRES_PWD).toBe(env('postgres').POSTGRES_PASSWORD);
  });

  it('publishes the api on the port it listens on and runs the built entry points', () => {
    const config = loadConfig(env('api'));
    expect(services.api!.ports).toContain(`${config.API_PORT}:${config.API_PORT}`);
    expect(services.api!.command).toEqual(['node', 'dist/apps/api/src/main.js']);
    expect(services.worker!.command).toEqual(['node', 'dist/apps/worker/src/main.js']);
    expect(services.migrate!.command).toEqual(['node', 'dist/libs/persistence/src/cli/migrate.js']);
    expect(env('worker').WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/WORKDIR \/app/);
    expect(dockerfile).toMatch(/scripts\/build\.mjs/);
  });

  it('starts the apps only after migrations and a healthy Temporal', () => {
    for (const app of ['api', 'worker']) {
      expect(services[app]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
      });
    }
  });
});

describe('README configuration table', () => {
  it('documents every configuration variable', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const key of new Set(CONFIG_KEYS)) expect(readme).toContain(`\`${key}\``);
  });
});
