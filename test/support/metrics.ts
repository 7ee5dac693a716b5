import { spawnSync } from 'node:child_process';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { temporalCoreMetrics } from '../../apps/worker/src/temporal-runtime-logging';
import { metricsCheckPath } from './toolchain';

/** A series as Prometheus parsed it (scripts/metrics-check's JSON). */
export interface ParsedSample {
  labels: Record<string, string>;
  /** Counters, gauges (null for NaN and infinities). */
  value?: number | null;
  /** Histograms and summaries. */
  count?: number;
  sum?: number | null;
  buckets?: Record<string, number>;
}

export interface ParsedFamily {
  name: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED' | 'GAUGE_HISTOGRAM';
  help: string;
  samples: ParsedSample[];
}

/** What `promtool check metrics` would say of a text, and what Prometheus reads in it. */
export interface MetricsCheck {
  /** promtool's: 0 clean, 1 does not parse, 3 lint problems. */
  exitCode: number;
  error?: string;
  problems: Array<{ metric: string; text: string }>;
  families: Map<string, ParsedFamily>;
  /** The value (counter, gauge) or the count (histogram) of the series with exactly these labels; undefined without one. */
  value(name: string, labels?: Record<string, string>): number | null | undefined;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/**
 * Runs a Prometheus text through scripts/metrics-check: Prometheus's own parser
 * (github.com/prometheus/common/expfmt) and promtool's linter (promlint).
 */
export function checkMetrics(text: string): MetricsCheck {
  const run = spawnSync(metricsCheckPath(), [], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout) as {
    error?: string;
    problems: MetricsCheck['problems'];
    families: ParsedFamily[];
  };
  const families = new Map(report.families.map((f) => [f.name, f]));
  return {
    exitCode: run.status ?? -1,
    ...(report.error ? { error: report.error } : {}),
    problems: report.problems,
    families,
    value(name, labels = {}) {
      const sample = families.get(name)?.samples.find((s) => sameLabels(s.labels, labels));
      if (!sample) return undefined;
      return sample.count ?? sample.value ?? null;
    },
  };
}

/** A scrape: what it answered, checked. */
export type Scraped = MetricsCheck & { contentType: string | null; text: string };

/** GETs a metrics endpoint and checks what it answers. */
export async function scrape(url: string): Promise<Scraped> {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
  return { ...checkMetrics(text), contentType: res.headers.get('content-type'), text };
}

/**
 * Gives this test file's process the Temporal runtime the worker's main.ts installs: its
 * core serving its metrics on `bindAddress` (temporalCoreMetrics). The runtime is one
 * per process and jest.setup.ts installed a plain one before the test file ran; it is
 * idle until something connects, so it is shut down and replaced. Call it before
 * anything connects to Temporal.
 */
export async function installRuntimeWithCoreMetrics(bindAddress: string): Promise<void> {
  await Runtime._instance?.shutdown();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: temporalCoreMetrics(bindAddress) },
  });
}
