// Finds or builds what the chart test (test/unit/helm-chart.spec.ts) renders and checks
// deploy/helm/retain with: helm, kubeconform, and the Kubernetes JSON schemas kubeconform
// validates against (scripts/lib/kube-schemas.mjs makes them from Go modules, offline).
// Order for each: its variable (HELM_PATH, KUBECONFORM_PATH, KUBE_SCHEMAS_DIR), the cached
// build under ~/.cache/retain, else build it from the Go module proxy, once.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ProvisioningError, cacheDir, ensureDir, log, repoRoot, run, which } from './common.mjs';
import { writeKubeSchemas } from './kube-schemas.mjs';

export const HELM_VERSION = 'v3.22.0';
export const KUBECONFORM_VERSION = 'v0.8.0';
/** The Kubernetes release whose API the manifests are checked against. */
export const KUBERNETES_VERSION = 'v1.37.2';
/** The KEDA release whose ScaledObject the worker's optional autoscaler is checked against. */
export const KEDA_VERSION = 'v2.21.0';

/** @param {string} tool */
function goOrFail(tool) {
  const go = which('go');
  if (!go) {
    throw new ProvisioningError(
      `${tool} (for the Helm chart test) is built with Go, which is not installed. Install Go >= 1.25 ` +
        '(https://go.dev/dl or `apt-get install golang`), or set the path variable of scripts/lib/kube-tools.mjs.',
    );
  }
  return go;
}

/**
 * `go install module@version` into the cache, with a heartbeat while the compiler is silent.
 * @param {string} tool @param {string} module @param {string} version @param {string} envVar
 * @returns {Promise<string>}
 */
async function ensureGoInstalled(tool, module, version, envVar) {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`${envVar}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const binDir = join(cacheDir(), `${tool}-${version}`, 'bin');
  const binary = join(binDir, tool);
  if (existsSync(binary)) return binary;
  const go = goOrFail(tool);
  ensureDir(binDir);
  log(tool, `building ${module}@${version} with ${go} (first run only; a few minutes)`);
  const started = Date.now();
  const heartbeat = setInterval(
    () => log(tool, `still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await run(tool, go, ['install', `${module}@${version}`], {
      env: { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod' },
    });
  } finally {
    clearInterval(heartbeat);
  }
  if (!existsSync(binary)) throw new ProvisioningError(`go install finished but ${binary} is missing`);
  log(tool, `built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

/** @returns {Promise<string>} absolute path of a `helm` executable */
export const ensureHelm = () => ensureGoInstalled('helm', 'helm.sh/helm/v3/cmd/helm', HELM_VERSION, 'HELM_PATH');

/** @returns {Promise<string>} absolute path of a `kubeconform` executable */
export const ensureKubeconform = () =>
  ensureGoInstalled(
    'kubeconform',
    'github.com/yannh/kubeconform/cmd/kubeconform',
    KUBECONFORM_VERSION,
    'KUBECONFORM_PATH',
  );

/**
 * The directory of a Go module's source, downloaded through the module proxy (and Go's cache).
 * @param {string} go @param {string} module @param {string} version
 * @returns {Promise<string>}
 */
function moduleDir(go, module, version) {
  return new Promise((resolve, reject) => {
    execFile(
      go,
      ['mod', 'download', '-json', `${module}@${version}`],
      { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' }, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        /** @type {{ Dir?: string, Error?: string }} */
        let info = {};
        try {
          info = JSON.parse(stdout);
        } catch {
          /* no JSON: the error says why */
        }
        if (error || !info.Dir)
          reject(new ProvisioningError(`go mod download ${module}@${version} failed: ${info.Error ?? stderr}`));
        else resolve(info.Dir);
      },
    );
  });
}

/**
 * @returns {Promise<string>} a directory of per-kind JSON schemas, for kubeconform's
 * `-schema-location <dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json`
 */
export async function ensureKubeSchemas() {
  const fromEnv = process.env.KUBE_SCHEMAS_DIR;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`KUBE_SCHEMAS_DIR=${fromEnv} does not exist`);
    return fromEnv;
  }
  // Keyed by the generator's source too, so a change to it makes them again.
  const digest = createHash('sha256')
    .update(readFileSync(join(repoRoot, 'scripts', 'lib', 'kube-schemas.mjs')))
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir(), `kube-schemas-${KUBERNETES_VERSION}-keda-${KEDA_VERSION}-${digest}`);
  if (existsSync(dir)) return dir;
  const go = goOrFail('kube-schemas');
  const started = Date.now();
  log(
    'kube-schemas',
    `downloading k8s.io/kubernetes@${KUBERNETES_VERSION} (its OpenAPI document, ~20 MB, first run only)`,
  );
  const kubernetes = await moduleDir(go, 'k8s.io/kubernetes', KUBERNETES_VERSION);
  log('kube-schemas', `downloading github.com/kedacore/keda/v2@${KEDA_VERSION} (its CRDs)`);
  const keda = await moduleDir(go, 'github.com/kedacore/keda/v2', KEDA_VERSION);
  // Into a temporary directory first: an interrupted run leaves nothing that looks complete.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  ensureDir(partial);
  const count = writeKubeSchemas(kubernetes, keda, partial);
  renameSync(partial, dir);
  log('kube-schemas', `${count} schemas in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  return dir;
}
