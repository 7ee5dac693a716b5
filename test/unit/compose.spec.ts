import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { CONFIG_KEYS, REQUIRED_CONFIG_KEYS, loadConfig, parseListenAddress } from '@retain/config';
import { API_METRIC_NAMES, ApiMetrics } from '../../apps/api/src/metrics/api-metrics';
import {
  BACKLOG_QUERY_TIMEOUT_MS,
  CORE_METRICS_FETCH_TIMEOUT_MS,
  TEMPORAL_CORE_METRICS,
  WORKER_METRIC_NAMES,
  WorkerMetrics,
} from '../../apps/worker/src/metrics/worker-metrics';
import { containerEnv, containerEnvNames, podSpec, render, type Rendered } from '../support/helm-chart';

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
  volumes?: string[];
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
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'grafana',
      'migrate',
      'postgres',
      'prometheus',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
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
    const pg = env('postgres');
    const t = env('temporal');
    expect(t.DB).toBe('postgres12');
    expect(t.POSTGRES_SEEDS).toBe('postgres');
    expect(t.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(t.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    // The schema job prepares the very databases the server opens, as the same user.
    const schema = env('temporal-schema');
    expect([schema.POSTGRES_SEEDS, schema.POSTGRES_USER, schema.SQL_PASSWORD]).toEqual([
      t.POSTGRES_SEEDS,
      t.POSTGRES_USER,
      t.POSTGRES_PWD,
    ]);
    expect([schema.DBNAME, schema.VISIBILITY_DBNAME]).toEqual([t.DBNAME, t.VISIBILITY_DBNAME]);
  });

  it('runs Temporal off the deprecated auto-setup image: a schema job, the server, a namespace job, one release', () => {
    const images = Object.values(services)
      .map((svc) => svc.image ?? '')
      .filter((image) => image.startsWith('temporalio/'));
    expect(images.filter((image) => image.startsWith('temporalio/auto-setup'))).toEqual([]);
    const release = (name: string) =>
      /^temporalio\/(server|admin-tools):(\d+\.\d+\.\d+)/.exec(services[name]!.image!)?.[2];
    expect(release('temporal')).toBeDefined();
    expect([release('temporal-schema'), release('temporal-namespace')]).toEqual([
      release('temporal'),
      release('temporal'),
    ]);
    for (const [job, script] of [
      ['temporal-schema', '/ops/temporal/setup-schema.sh'],
      ['temporal-namespace', '/ops/temporal/create-namespace.sh'],
    ] as const) {
      const scripts = mount(job, './ops/temporal');
      expect(services[job]!.command).toEqual([script]);
      expect(script.startsWith(`${scripts.container}/`)).toBe(true);
      expect(existsSync(join(scripts.host, script.slice(scripts.container.length)))).toBe(true);
    }
    expect(services.temporal!.depends_on).toMatchObject({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['temporal-namespace']!.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
    // The namespace registered is the one the apps use, on the server they use.
    expect(env('temporal-namespace').NAMESPACE).toBe(loadConfig(env('api')).TEMPORAL_NAMESPACE);
    expect(env('temporal-namespace').TEMPORAL_ADDRESS).toBe(env('api').TEMPORAL_ADDRESS);
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

  it('starts the apps only after migrations and a Temporal serving their namespace', () => {
    for (const app of ['api', 'worker']) {
      expect(services[app]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
    }
  });
});

/** A bind mount `./host:/container[:ro]` of `service`, by the host path's start. */
function mount(service: string, hostPath: string): { host: string; container: string } {
  const found = (services[service]?.volumes ?? []).map((v) => v.split(':')).find(([host]) => host === hostPath);
  if (!found) throw new Error(`${service} does not mount ${hostPath}`);
  return { host: join(root, found[0]!), container: found[1]! };
}

const yamlFile = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

/**
 * The series a PromQL expression reads: its identifiers, less functions, keywords,
 * label matchers, grouping labels, ranges and strings.
 */
function seriesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without']);
  // Not the unit of a duration (`offset 5m`), nor a part of a number.
  return [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !keywords.has(m[1]!))
    .map((m) => m[1]!);
}

describe('Prometheus and Grafana in docker-compose.yml', () => {
  const prometheusConfigMount = mount('prometheus', './ops/prometheus/prometheus.yml');
  const prometheus = yamlFile<{
    global: { scrape_timeout: string };
    scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }>;
  }>(prometheusConfigMount.host);

  it.each([
    ['api', 'retain-api', 'API_METRICS_ADDRESS'],
    ['worker', 'retain-worker', 'WORKER_METRICS_ADDRESS'],
  ] as const)(
    'scrapes the %s where its configuration serves the metrics, on the compose network only',
    (name, job, key) => {
      const address = parseListenAddress(loadConfig(env(name))[key])!;
      // On every interface of its container, so the prometheus container reaches it...
      expect(address.host).toBe('0.0.0.0');
      const scrape = prometheus.scrape_configs.find((c) => c.job_name === job)!;
      expect(scrape.metrics_path).toBe('/metrics');
      expect(scrape.static_configs.flatMap((c) => c.targets)).toEqual([`${name}:${address.port}`]);
      // ...and no further: the port is not published.
      expect((services[name]!.ports ?? []).filter((p) => p.split(':').includes(String(address.port)))).toEqual([]);
      expect(services.prometheus!.depends_on).toContain(name);
    },
  );

  it("keeps the worker's Temporal core metrics on loopback, and gives a scrape the time the worker may take", () => {
    expect(parseListenAddress(loadConfig(env('worker')).WORKER_TEMPORAL_METRICS_ADDRESS)?.host).toBe('127.0.0.1');
    expect(prometheus.scrape_configs.map((c) => c.job_name).sort()).toEqual(['retain-api', 'retain-worker']);
    expect(services.prometheus!.command).toContain(`--config.file=${prometheusConfigMount.container}`);
    const timeout = /^(\d+)s$/.exec(prometheus.global.scrape_timeout);
    expect(Number(timeout?.[1]) * 1000).toBeGreaterThan(
      Math.max(BACKLOG_QUERY_TIMEOUT_MS, CORE_METRICS_FETCH_TIMEOUT_MS),
    );
  });

  const provisioning = mount('grafana', './ops/grafana/provisioning');
  const dashboards = mount('grafana', './ops/grafana/dashboards');
  const datasource = yamlFile<{ datasources: Array<{ uid: string; type: string; url: string }> }>(
    join(provisioning.host, 'datasources', 'prometheus.yml'),
  ).datasources;
  const dashboard = JSON.parse(readFileSync(join(dashboards.host, 'retain.json'), 'utf8')) as {
    panels: Array<{
      type: string;
      title: string;
      datasource?: { uid: string };
      targets?: Array<{ expr: string; datasource?: { uid: string } }>;
    }>;
  };
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it("provisions Grafana with the compose file's Prometheus and the dashboard kept in the repository", () => {
    expect(provisioning.container).toBe('/etc/grafana/provisioning');
    expect(datasource).toHaveLength(1);
    const url = new URL(datasource[0]!.url);
    expect([datasource[0]!.type, url.hostname]).toEqual(['prometheus', 'prometheus']);
    expect(services.prometheus!.ports).toContain(`${url.port}:${url.port}`);
    const providers = yamlFile<{ providers: Array<{ type: string; options: { path: string } }> }>(
      join(provisioning.host, 'dashboards', 'retain.yml'),
    ).providers;
    expect(providers.map((p) => [p.type, p.options.path])).toEqual([['file', dashboards.container]]);
    const home = env('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(home.startsWith(`${dashboards.container}/`)).toBe(true);
    expect(existsSync(join(dashboards.host, home.slice(dashboards.container.length)))).toBe(true);
    expect(panels.length).toBeGreaterThan(0);
    for (const p of panels) {
      expect([p.title, p.datasource?.uid]).toEqual([p.title, datasource[0]!.uid]);
      for (const t of p.targets ?? []) expect([p.title, t.datasource?.uid]).toEqual([p.title, datasource[0]!.uid]);
    }
  });

  it('reads in PromQL only series the api and the worker serve, and shows each of their own', async () => {
    const config = loadConfig(env('api'));
    const registries = [new ApiMetrics(config).registry, new WorkerMetrics(config, {} as DataSource).registry];
    const served = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
    // The lists the dashboard and the end-to-end test go by are what the registries hold.
    expect([...new Set(served.map((m) => m.name).filter((n) => n.startsWith('retain_')))].sort()).toEqual(
      [...new Set([...API_METRIC_NAMES, ...WORKER_METRIC_NAMES])].sort(),
    );
    const families = [
      ...served.map((m) => [m.name, String(m.type)] as const),
      ...Object.entries(TEMPORAL_CORE_METRICS),
      // Prometheus's own series of each target.
      ['up', 'gauge'] as const,
    ];
    const series = new Set(
      families.flatMap(([name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
      ),
    );
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      const read = seriesIn(expr);
      expect(read.length).toBeGreaterThan(0);
      expect([expr, read.filter((name) => !series.has(name))]).toEqual([expr, []]);
    }
    const shown = new Set(exprs.flatMap(seriesIn).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
    for (const name of [...API_METRIC_NAMES, ...WORKER_METRIC_NAMES, ...Object.keys(TEMPORAL_CORE_METRICS)])
      expect([name, shown.has(name)]).toEqual([name, true]);
  });

  it('finds the series of a PromQL expression', () => {
    expect(
      seriesIn(
        'histogram_quantile(0.95, sum by (le, route) (rate(retain_http_request_duration_seconds_bucket{status=~"5.."}[$__rate_interval])))',
      ),
    ).toEqual(['retain_http_request_duration_seconds_bucket']);
    expect(seriesIn('sum(rate(a_total[5m])) / sum without (x) (b) and on (y) c offset 5m')).toEqual([
      'a_total',
      'b',
      'c',
    ]);
  });
});

describe('docker-compose.yml and the Helm chart (deploy/helm/retain)', () => {
  let chart: Rendered;
  const databaseUrl = env('api').DATABASE_URL!;
  beforeAll(() => {
    chart = render([], { 'secrets.values.DATABASE_URL': databaseUrl });
  });
  // The channels' secrets, optional references the chart always carries; compose runs without the channels.
  const optionalSecrets = [
    'NOTIFY_WEBHOOK_URL',
    'NOTIFY_WEBHOOK_SECRET',
    'SMTP_URL',
    'SLACK_BOT_TOKEN',
    'SMS_AUTH_TOKEN',
    'CRM_ACCESS_TOKEN',
    'CRM_CLIENT_SECRET',
  ];

  it.each([
    ['api', 'Deployment', '-api'],
    ['worker', 'Deployment', '-worker'],
    ['migrate', 'Job', '-migrate'],
  ] as const)('give the %s the same variables, and the same values but for the hosts', (name, kind, suffix) => {
    const pod = chart.get(kind, suffix);
    const container = podSpec(pod).containers[0]!;
    const names = containerEnvNames(chart, container).filter((k) => !optionalSecrets.includes(k));
    const composeEnv = env(name);
    expect(names).toEqual(Object.keys(composeEnv).sort());
    expect(container.command).toEqual(services[name]!.command);
    const secrets = Object.fromEntries(
      chart.objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o.stringData ?? {}]),
    );
    const chartEnv = containerEnv(chart, container, secrets);
    for (const key of names) {
      if (key === 'TEMPORAL_ADDRESS') {
        // temporal:7233 on the compose network; the frontend Service of Temporal's chart in Kubernetes.
        expect(chartEnv[key]!.split(':')[1]).toBe(composeEnv[key]!.split(':')[1]);
        expect(chartEnv[key]).toMatch(/^temporal-frontend\./);
      } else expect([key, chartEnv[key]]).toEqual([key, composeEnv[key]]);
    }
  });

  it('name in the chart the ports compose serves and scrapes', () => {
    const port = (suffix: string, portName: string) =>
      podSpec(chart.get('Deployment', suffix)).containers[0]!.ports!.find((p) => p.name === portName)!.containerPort;
    const api = loadConfig(env('api'));
    const worker = loadConfig(env('worker'));
    expect(port('-api', 'http')).toBe(api.API_PORT);
    expect(port('-api', 'metrics')).toBe(parseListenAddress(api.API_METRICS_ADDRESS)!.port);
    expect(port('-worker', 'metrics')).toBe(parseListenAddress(worker.WORKER_METRICS_ADDRESS)!.port);
  });
});

describe('README configuration table', () => {
  it('documents every configuration variable', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const key of new Set(CONFIG_KEYS)) expect(readme).toContain(`\`${key}\``);
  });
});
