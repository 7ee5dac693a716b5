/**
 * Paths and addresses that `npm test` (scripts/run-tests.mjs) provisions and hands to
 * jest through the environment. Running jest directly works too once these are set.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set. Run the tests with \`npm test\`, which provisions it, or set it yourself.`);
  }
  return value;
}

export const temporalCliPath = (): string => required('TEMPORAL_CLI_PATH');
export const testServerPath = (): string => required('TEMPORAL_TEST_SERVER_PATH');
/** The Prometheus text checker (scripts/metrics-check: expfmt's parser and promtool's linter). */
export const metricsCheckPath = (): string => required('METRICS_CHECK_PATH');
/** helm, kubeconform and the Kubernetes JSON schemas of the chart test (scripts/lib/kube-tools.mjs). */
export const helmPath = (): string => required('HELM_PATH');
export const kubeconformPath = (): string => required('KUBECONFORM_PATH');
export const kubeSchemasDir = (): string => required('KUBE_SCHEMAS_DIR');
/** A PostgreSQL URL whose user may create databases; each suite gets a database of its own. */
export const adminDatabaseUrl = (): string => required('TEST_DATABASE_ADMIN_URL');
/**
 * A running Temporal server the end-to-end suites use instead of a dev server each
 * (`npm run test:cluster` sets it to its real Temporal server); undefined: a dev server.
 */
export const externalTemporalAddress = (): string | undefined => process.env.RETAIN_TEST_TEMPORAL_ADDRESS || undefined;
