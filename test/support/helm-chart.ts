import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { helmPath, kubeconformPath, kubeSchemasDir } from './toolchain';

/**
 * Renders deploy/helm/retain with `helm template` and validates the output with kubeconform
 * against the Kubernetes and KEDA schemas scripts/lib/kube-tools.mjs makes offline.
 */
/** Kubernetes' release in scripts/lib/kube-tools.mjs (KUBERNETES_VERSION), whose schemas kubeconform reads. */
export const KUBERNETES_VERSION = '1.37.2';

export const chartDir = join(__dirname, '..', '..', 'deploy', 'helm', 'retain');

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
export interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: Array<{ name: string; configMap?: { name: string }; emptyDir?: object }>;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, any>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Rendered {
  text: string;
  objects: K8sObject[];
  /** The one object of `kind` whose name ends with `suffix` (the release prefix left out). */
  get(kind: string, suffix: string): K8sObject;
  find(kind: string, suffix: string): K8sObject | undefined;
}

/** `helm template` of the chart with values files (relative to the chart) and --set pairs; throws with helm's error. */
export function render(valuesFiles: string[] = [], set: Record<string, string> = {}): Rendered {
  // The Kubernetes release the schemas are of (a helm built by `go install` assumes v1.20 otherwise).
  const args = ['template', 'retain', chartDir, '--namespace', 'retain', '--kube-version', KUBERNETES_VERSION];
  for (const f of valuesFiles) args.push('--values', join(chartDir, f));
  for (const [k, v] of Object.entries(set)) args.push('--set-string', `${k}=${v}`);
  const r = spawnSync(helmPath(), args, { encoding: 'utf8', maxBuffer: 32 << 20 });
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  const find = (kind: string, suffix: string): K8sObject | undefined => {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
    if (found.length > 1) throw new Error(`${found.length} ${kind}s named *${suffix}`);
    return found[0];
  };
  return {
    text: r.stdout,
    objects,
    find,
    get: (kind, suffix) => {
      const o = find(kind, suffix);
      if (!o) throw new Error(`no ${kind} named *${suffix}`);
      return o;
    },
  };
}

/** `helm lint --strict` of the chart with these values: its exit status and output. */
export function lint(
  valuesFiles: string[] = [],
  set: Record<string, string> = {},
): { status: number | null; output: string } {
  const args = ['lint', '--strict', chartDir, '--kube-version', KUBERNETES_VERSION];
  for (const f of valuesFiles) args.push('--values', join(chartDir, f));
  for (const [k, v] of Object.entries(set)) args.push('--set-string', `${k}=${v}`);
  const r = spawnSync(helmPath(), args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `helm template`'s error for these values, or undefined when it renders. */
export function renderError(valuesFiles: string[], set: Record<string, string> = {}): string | undefined {
  try {
    render(valuesFiles, set);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface KubeconformResult {
  status: number | null;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
  problems: Array<{ filename: string; kind: string; name: string; status: string; msg: string }>;
}

/** kubeconform -strict over manifests, every kind against a schema (none skipped as unknown). */
export function kubeconform(text: string): KubeconformResult {
  const r = spawnSync(
    kubeconformPath(),
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      `${kubeSchemasDir()}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-',
    ],
    { input: text, encoding: 'utf8', maxBuffer: 32 << 20 },
  );
  const out = JSON.parse(r.stdout) as {
    resources?: KubeconformResult['problems'];
    summary: KubeconformResult['summary'];
  };
  return { status: r.status, summary: out.summary, problems: out.resources ?? [] };
}

export const podSpec = (o: K8sObject): PodSpec => o.spec!.template.spec as PodSpec;

/**
 * The environment a container starts with: its ConfigMaps' data (envFrom), its own values, and
 * its Secret references looked up in `secrets` (a name → data map; an optional key may be absent).
 */
export function containerEnv(
  rendered: Rendered,
  container: Container,
  secrets: Record<string, Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) throw new Error('only configMapRef is used in envFrom');
    const cm = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef!.name);
    if (!cm) throw new Error(`envFrom names ConfigMap ${from.configMapRef.name}, which the chart does not render`);
    Object.assign(env, cm.data);
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
    else if (v.valueFrom?.secretKeyRef) {
      const { name, key, optional } = v.valueFrom.secretKeyRef;
      const value = secrets[name]?.[key];
      if (value !== undefined) env[v.name] = value;
      else if (!optional) throw new Error(`${v.name}: Secret ${name} has no key ${key}`);
    } else throw new Error(`${v.name}: neither a value nor a Secret reference`);
  }
  return env;
}

/** The names a container's environment may hold: envFrom's keys and env's names, whatever the Secret holds. */
export function containerEnvNames(rendered: Rendered, container: Container): string[] {
  const names = new Set<string>();
  for (const from of container.envFrom ?? []) {
    const cm = rendered.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name);
    for (const k of Object.keys(cm?.data ?? {})) names.add(k);
  }
  for (const v of container.env ?? []) names.add(v.name);
  return [...names].sort();
}
