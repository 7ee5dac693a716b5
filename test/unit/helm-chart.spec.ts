import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CONFIG_KEYS, loadConfig, parseListenAddress } from '@retain/config';
import { loadDeploymentPolicy } from '../../libs/config/src/deployment-policy';
import { loadConnectorMappings } from '../../libs/config/src/connector-mappings';
import {
  chartDir,
  containerEnv,
  containerEnvNames,
  kubeconform,
  lint,
  podSpec,
  render,
  renderError,
  type Container,
  type K8sObject,
  type Rendered,
} from '../support/helm-chart';

/**
 * deploy/helm/retain rendered with `helm template` for several values files and checked by
 * kubeconform -strict against Kubernetes v1.37's and KEDA's schemas (scripts/lib/kube-tools.mjs),
 * then read for what kubeconform cannot know: probes on /health at the ports the configuration
 * listens on, the HPA on the api, the policy file where RETAIN_POLICY_FILE points, secrets
 * from a Secret, and an environment the configuration schema accepts.
 */

const DATABASE_URL = 'postgres://retain:pw@postgres.db.svc:5432/retain';
const SECRET_KEYS = [
  'DATABASE_URL',
  'NOTIFY_WEBHOOK_URL',
  'NOTIFY_WEBHOOK_SECRET',
  'SMTP_URL',
  'SLACK_BOT_TOKEN',
  'SMS_AUTH_TOKEN',
  'CRM_ACCESS_TOKEN',
  'CRM_CLIENT_SECRET',
];
/** The variables the chart sets itself from its values (not through `config`). */
const CHART_KEYS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'API_HOST',
  'API_PORT',
  'API_METRICS_ADDRESS',
  'WORKER_METRICS_ADDRESS',
  'WORKFLOW_BUNDLE_PATH',
  'WORKER_SHUTDOWN_GRACE_SECONDS',
  'RETAIN_POLICY_FILE',
  'CONNECTORS_MAPPING_DIR',
];
/** Refused outside NODE_ENV=test: never in a deployment. */
const TEST_HOOKS = ['TEST_PAUSE_AFTER_EVENT_COMMIT_MS', 'TEST_BACKTEST_PAGE_PAUSE_MS'];

interface Case {
  name: string;
  files: string[];
  set: Record<string, string>;
  /** The Secret data the cluster holds for an existingSecret. */
  external: Record<string, Record<string, string>>;
}
const cases: Case[] = [
  { name: 'the defaults', files: [], set: { 'secrets.values.DATABASE_URL': DATABASE_URL }, external: {} },
  { name: 'ci/minimal-values.yaml', files: ['ci/minimal-values.yaml'], set: {}, external: {} },
  {
    name: 'ci/existing-secret-values.yaml',
    files: ['ci/existing-secret-values.yaml'],
    set: {},
    external: { 'retain-prod': { DATABASE_URL, NOTIFY_WEBHOOK_SECRET: 'whsec_c2VjcmV0' } },
  },
];

const container = (o: K8sObject): Container => podSpec(o).containers[0]!;
/** loadConfig without the policy file and the connector mappings, which are in the pod and not here (their own tests load them). */
const configOf = (env: Record<string, string>) =>
  loadConfig({ ...env, RETAIN_POLICY_FILE: undefined, CONNECTORS_MAPPING_DIR: undefined });
const port = (c: Container, name: string): number => c.ports!.find((p) => p.name === name)!.containerPort;

/** Secrets by name: the chart's own (stringData) and the cluster's (an existingSecret). */
function secretsOf(r: Rendered, c: Case): Record<string, Record<string, string>> {
  const own = r.objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o.stringData ?? {}] as const);
  return { ...c.external, ...Object.fromEntries(own) };
}

describe.each(cases)('the Helm chart with $name', (c) => {
  let r: Rendered;
  beforeAll(() => {
    r = render(c.files, c.set);
  });

  it('renders manifests kubeconform finds valid against the Kubernetes and KEDA schemas, none skipped', () => {
    const result = kubeconform(r.text);
    expect(result.problems.filter((p) => p.status !== 'statusValid')).toEqual([]);
    expect(result.summary).toEqual({ valid: r.objects.length, invalid: 0, errors: 0, skipped: 0 });
    expect(result.status).toBe(0);
  });

  it('passes helm lint --strict', () => {
    const result = lint(c.files, c.set);
    expect([result.status, result.output.match(/\[(WARNING|ERROR)\].*/g)]).toEqual([0, null]);
  });

  it('probes /health on the ports the configuration listens on', () => {
    const api = container(r.get('Deployment', '-api'));
    const apiEnv = containerEnv(r, api, secretsOf(r, c));
    const config = configOf(apiEnv);
    expect(port(api, 'http')).toBe(config.API_PORT);
    expect(port(api, 'metrics')).toBe(parseListenAddress(config.API_METRICS_ADDRESS)!.port);
    expect(config.API_HOST).toBe('0.0.0.0');
    // Readiness asks the api (PostgreSQL and Temporal up); liveness only that the process runs.
    expect(api.startupProbe!.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(api.readinessProbe!.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(api.livenessProbe!.httpGet).toEqual({ path: '/health', port: 'metrics' });

    const worker = container(r.get('Deployment', '-worker'));
    const workerConfig = configOf(containerEnv(r, worker, secretsOf(r, c)));
    expect(parseListenAddress(workerConfig.WORKER_METRICS_ADDRESS)).toEqual({
      host: '0.0.0.0',
      port: port(worker, 'metrics'),
    });
    for (const probe of [worker.startupProbe, worker.readinessProbe, worker.livenessProbe])
      expect(probe!.httpGet).toEqual({ path: '/health', port: 'metrics' });
    // The pod outlives the worker's own shutdown grace.
    expect(podSpec(r.get('Deployment', '-worker')).terminationGracePeriodSeconds).toBeGreaterThan(
      workerConfig.WORKER_SHUTDOWN_GRACE_SECONDS,
    );
  });

  it('exposes the api on its Service and the metrics listeners on Services of their own', () => {
    const targets = (suffix: string) =>
      (r.get('Service', suffix).spec!.ports as Array<{ targetPort: string }>).map((p) => p.targetPort);
    expect(targets('-api')).toEqual(['http']);
    expect(targets('-api-metrics')).toEqual(['metrics']);
    expect(targets('-worker-metrics')).toEqual(['metrics']);
    for (const [service, deployment] of [
      ['-api', '-api'],
      ['-api-metrics', '-api'],
      ['-worker-metrics', '-worker'],
    ] as const)
      expect(r.get('Deployment', deployment).spec!.template.metadata.labels).toMatchObject(
        r.get('Service', service).spec!.selector,
      );
  });

  it('runs the built entry points of the one image, as non-root on a read-only root, with resources', () => {
    const pods = [r.get('Deployment', '-api'), r.get('Deployment', '-worker'), r.find('Job', '-migrate')].filter(
      (o): o is K8sObject => o !== undefined,
    );
    expect(pods.map((o) => container(o).command)).toEqual(
      [
        ['node', 'dist/apps/api/src/main.js'],
        ['node', 'dist/apps/worker/src/main.js'],
        ['node', 'dist/libs/persistence/src/cli/migrate.js'],
      ].slice(0, pods.length),
    );
    expect(new Set(pods.map((o) => container(o).image)).size).toBe(1);
    for (const o of pods) {
      expect(podSpec(o).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container(o).securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container(o).resources?.requests).toEqual(expect.objectContaining({ cpu: expect.any(String) }));
      expect(container(o).resources?.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
      expect(container(o).volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
  });

  it('gives every process only variables the configuration knows, valid, and none of the test hooks', () => {
    const pods = [r.get('Deployment', '-api'), r.get('Deployment', '-worker'), r.find('Job', '-migrate')];
    for (const o of pods.filter((p): p is K8sObject => p !== undefined)) {
      const names = containerEnvNames(r, container(o));
      expect([o.metadata.name, names.filter((k) => !(CONFIG_KEYS as string[]).includes(k))]).toEqual([
        o.metadata.name,
        [],
      ]);
      expect(names.filter((k) => TEST_HOOKS.includes(k))).toEqual([]);
      const env = containerEnv(r, container(o), secretsOf(r, c));
      expect(() => configOf(env)).not.toThrow();
    }
  });

  it('reads the keys and secrets from a Secret, never from a ConfigMap or a literal', () => {
    const secretName = c.files.includes('ci/existing-secret-values.yaml') ? 'retain-prod' : 'retain-secrets';
    const ownSecrets = r.objects.filter((o) => o.kind === 'Secret');
    expect(ownSecrets.map((o) => o.metadata.name)).toEqual(secretName === 'retain-prod' ? [] : [secretName]);
    const pods = [r.get('Deployment', '-api'), r.get('Deployment', '-worker'), r.find('Job', '-migrate')];
    for (const o of pods.filter((p): p is K8sObject => p !== undefined)) {
      const env = container(o).env ?? [];
      for (const key of SECRET_KEYS) {
        const v = env.find((e) => e.name === key);
        expect([o.metadata.name, key, v?.valueFrom?.secretKeyRef]).toEqual([
          o.metadata.name,
          key,
          { name: secretName, key, ...(key === 'DATABASE_URL' ? {} : { optional: true }) },
        ]);
      }
    }
    const secretValues = Object.values(secretsOf(r, c)).flatMap((data) => Object.values(data));
    expect(secretValues.length).toBeGreaterThan(0);
    const literals = [
      ...r.objects.filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.entries(o.data ?? {})),
      ...pods.flatMap((o) =>
        (o ? (container(o).env ?? []) : []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value] as const])),
      ),
    ];
    expect(literals.filter(([k, v]) => SECRET_KEYS.includes(k) || secretValues.some((s) => v.includes(s)))).toEqual([]);
    // A Secret the chart creates holds the values given and leaves the empty ones out.
    for (const s of ownSecrets)
      expect(Object.keys(s.stringData!).sort()).toEqual(
        c.files.includes('ci/minimal-values.yaml') ? ['DATABASE_URL', 'SMTP_URL'] : ['DATABASE_URL'],
      );
  });

  it('scales the api on CPU with an HPA on its Deployment, and the worker on its backlog only through KEDA', () => {
    const api = r.get('Deployment', '-api');
    const hpa = r.find('HorizontalPodAutoscaler', '-api');
    if (c.files.includes('ci/minimal-values.yaml')) {
      expect(hpa).toBeUndefined();
      expect(api.spec!.replicas).toBe(1);
    } else {
      expect(hpa!.spec!.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata.name });
      expect(hpa!.spec!.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ]);
      // The HPA owns the count: a replicas field would fight it on every upgrade.
      expect(api.spec!).not.toHaveProperty('replicas');
    }
    const worker = r.get('Deployment', '-worker');
    const scaled = r.find('ScaledObject', '-worker');
    expect(r.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(hpa ? 1 : 0);
    if (c.files.includes('ci/existing-secret-values.yaml')) {
      const env = containerEnv(r, container(worker), secretsOf(r, c));
      expect(scaled!.spec!.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: worker.metadata.name,
      });
      expect(scaled!.spec!.triggers).toEqual([
        {
          type: 'temporal',
          metadata: expect.objectContaining({
            endpoint: env.TEMPORAL_ADDRESS,
            namespace: env.TEMPORAL_NAMESPACE,
            taskQueue: env.TEMPORAL_TASK_QUEUE,
            queueTypes: 'workflow,activity',
            enableTLS: 'false',
          }),
        },
      ]);
      expect([scaled!.spec!.minReplicaCount, scaled!.spec!.maxReplicaCount]).toEqual([2, 12]);
      expect(worker.spec!).not.toHaveProperty('replicas');
    } else {
      expect(scaled).toBeUndefined();
      expect(worker.spec!.replicas).toBeGreaterThan(0);
    }
  });

  it('keeps pods up through voluntary disruptions with budgets that select them', () => {
    const budgets = r.objects.filter((o) => o.kind === 'PodDisruptionBudget');
    if (c.files.includes('ci/minimal-values.yaml')) return expect(budgets).toEqual([]);
    expect(budgets.map((b) => b.metadata.name.replace(/^retain-/, '')).sort()).toEqual(['api', 'worker']);
    for (const b of budgets) {
      const d = r.get('Deployment', b.metadata.name.replace(/^retain/, ''));
      expect(d.spec!.template.metadata.labels).toMatchObject(b.spec!.selector.matchLabels);
      // The other component's pods are not counted.
      expect(b.spec!.selector.matchLabels['app.kubernetes.io/component']).toBe(
        d.metadata.labels!['app.kubernetes.io/component'],
      );
    }
  });

  it('mounts the connectors ConfigMap where CONNECTORS_MAPPING_DIR points, and the mappings load', () => {
    const connectorsMap = r.find('ConfigMap', '-connectors');
    const config = r.get('ConfigMap', '-config').data!;
    if (!c.files.includes('ci/existing-secret-values.yaml')) {
      expect([connectorsMap, config.CONNECTORS_MAPPING_DIR]).toEqual([undefined, undefined]);
      return;
    }
    const mountPath = config.CONNECTORS_MAPPING_DIR!;
    for (const suffix of ['-api', '-worker']) {
      const d = r.get('Deployment', suffix);
      const mount = container(d).volumeMounts!.find((m) => m.mountPath === mountPath)!;
      expect(mount.readOnly).toBe(true);
      expect(podSpec(d).volumes!.find((v) => v.name === mount.name)!.configMap!.name).toBe(
        connectorsMap!.metadata.name,
      );
      expect(d.spec!.template.metadata.annotations).toHaveProperty('checksum/connectors');
    }
    const dir = mkdtempSync(join(tmpdir(), 'retain-connectors-'));
    try {
      for (const [file, text] of Object.entries(connectorsMap!.data!)) writeFileSync(join(dir, file), text);
      expect(loadConnectorMappings(dir).stripe.accountId).toEqual(['data.object.customer']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(containerEnvNames(r, container(r.get('Job', '-migrate')))).not.toContain('CONNECTORS_MAPPING_DIR');
  });

  it('mounts the policy ConfigMap where RETAIN_POLICY_FILE points, and the policy loads', () => {
    const policyMap = r.find('ConfigMap', '-policy');
    const config = r.get('ConfigMap', '-config').data!;
    if (!c.files.includes('ci/existing-secret-values.yaml')) {
      // No settings: no file, the defaults in force (as in docker-compose.yml).
      expect([policyMap, config.RETAIN_POLICY_FILE]).toEqual([undefined, undefined]);
      return;
    }
    const file = config.RETAIN_POLICY_FILE!;
    const dir = mkdtempSync(join(tmpdir(), 'retain-policy-'));
    try {
      for (const suffix of ['-api', '-worker']) {
        const d = r.get('Deployment', suffix);
        const mount = container(d).volumeMounts!.find((m) => m.mountPath === dirname(file))!;
        expect(mount.readOnly).toBe(true);
        const volume = podSpec(d).volumes!.find((v) => v.name === mount.name)!;
        expect(volume.configMap!.name).toBe(policyMap!.metadata.name);
        // The rollout follows a change of the policy.
        expect(d.spec!.template.metadata.annotations).toHaveProperty('checksum/policy');
      }
      const path = join(dir, basename(file));
      writeFileSync(path, policyMap!.data![basename(file)]!);
      const policy = loadDeploymentPolicy(path);
      expect([policy.version, policy.metrics.effortHourlyCostCents]).toEqual(['2026-12-prod', 9000]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The migration Job runs before the ConfigMap exists and does not read the policy.
    const job = r.get('Job', '-migrate');
    expect(containerEnvNames(r, container(job))).not.toContain('RETAIN_POLICY_FILE');
    expect(podSpec(job).volumes!.map((v) => v.name)).toEqual(['tmp']);
  });

  it('runs the migrations as a hook before the Deployments of an install or an upgrade', () => {
    const job = r.find('Job', '-migrate');
    if (c.files.includes('ci/minimal-values.yaml')) return expect(job).toBeUndefined();
    expect(job!.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
    // Whatever the Job reads exists before it: a Secret the chart makes is an earlier hook.
    const secret = r.find('Secret', '-secrets');
    if (secret) {
      expect(secret.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(
        Number(job!.metadata.annotations!['helm.sh/hook-weight']),
      );
    }
    expect(podSpec(job!).serviceAccountName).toBeUndefined();
    expect(job!.spec!.template.spec.restartPolicy).toBe('Never');
  });
});

describe('the Helm chart refuses', () => {
  it.each([
    ['no DATABASE_URL and no existing Secret', {}, 'secrets.values.DATABASE_URL is required'],
    ['a secret in the ConfigMap', { 'config.SMTP_URL': 'smtp://x' }, "invalid propertyName 'SMTP_URL'"],
    ['a variable the chart sets itself', { 'config.API_PORT': '8080' }, "invalid propertyName 'API_PORT'"],
    ['a variable the configuration does not know', { 'config.DATABASE_POOL': '5' }, "propertyName 'DATABASE_POOL'"],
    [
      'a Temporal address that is not host:port',
      { 'temporal.address': 'temporal', 'secrets.existingSecret': 's' },
      'temporal',
    ],
    ['a misspelt value', { 'api.replica': '2', 'secrets.existingSecret': 's' }, 'replica'],
  ])('%s', (_, set, message) => {
    const error = renderError([], set);
    expect(error).toBeDefined();
    expect(error).toContain(message);
  });
});

describe("the chart's config values and the configuration schema", () => {
  it('split every variable between config, the chart itself, the Secret and the test hooks', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
      properties: { config: { propertyNames: { enum: string[] } } };
    };
    const configurable = schema.properties.config.propertyNames.enum;
    const parts = [...configurable, ...CHART_KEYS, ...SECRET_KEYS, ...TEST_HOOKS];
    expect(parts.length).toBe(new Set(parts).size);
    expect([...parts].sort()).toEqual([...new Set(CONFIG_KEYS)].sort());
  });
});
