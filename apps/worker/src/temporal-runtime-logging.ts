import {
  Runtime,
  makeTelemetryFilterString,
  type LogLevel,
  type LogMetadata,
  type Logger,
  type MetricsExporterConfig,
} from '@temporalio/worker';
import pino, { type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { serializeError } from '@retain/config';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger (the worker's own messages, workflow and activity loggers,
 * and the native core's lines forwarded to it) writing pino JSON lines like the rest of
 * the worker, with the SDK's metadata (component, task queue, workflow id) as fields.
 */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly out: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.out[LEVELS[level] ?? 'info']({ ...(meta ?? {}) }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The SDK's level for a pino level (the core forwards WARN and above unless asked for more). */
function coreLevel(level: LevelWithSilent): LogLevel {
  return level === 'trace'
    ? 'TRACE'
    : level === 'debug'
      ? 'DEBUG'
      : level === 'info'
        ? 'INFO'
        : level === 'warn'
          ? 'WARN'
          : 'ERROR';
}

/**
 * The native core's own worker metrics (pollers, task slots, task latencies, request
 * counts) served in the Prometheus text format on `bindAddress` (loopback: the worker's
 * /metrics reads and appends them), named the way Prometheus expects: counters end in
 * `_total`, units in the name, durations in seconds.
 */
export function temporalCoreMetrics(bindAddress: string): MetricsExporterConfig {
  return { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } };
}

/**
 * Installs the process's Temporal runtime with its logs forwarded to pino and, given
 * `metricsBindAddress` (WORKER_TEMPORAL_METRICS_ADDRESS), the core's metrics served
 * there. Once per process, before the first connection; a runtime already installed (a
 * test's) is kept.
 */
export function installTemporalRuntimeLogging(
  level: LevelWithSilent,
  destination?: pino.DestinationStream,
  metricsBindAddress?: string,
): boolean {
  const out = pino(
    { level, base: { service: 'retain-worker', component: 'temporal-sdk' }, serializers: { err: serializeError } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(out),
      telemetryOptions: {
        logging: {
          filter: makeTelemetryFilterString({
            core: level === 'trace' || level === 'debug' ? coreLevel(level) : 'WARN',
            other: 'ERROR',
          }),
          forward: {},
        },
        ...(metricsBindAddress ? { metrics: temporalCoreMetrics(metricsBindAddress) } : {}),
      },
    });
    return true;
  } catch {
    return false;
  }
}
