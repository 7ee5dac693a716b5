// Types of temporal-server.mjs, for the TypeScript tests and for its own JSDoc.
import type { ManagedProcess } from './managed-process.mjs';

/** The go.temporal.io/server release built and run (docker-compose.yml's temporalio/server tag). */
export const TEMPORAL_SERVER_VERSION: string;

/** History shards of a new database (fixed once it exists): docker-compose.yml's NUM_HISTORY_SHARDS. */
export const DEFAULT_HISTORY_SHARDS: number;

/** The server's two databases. */
export const TEMPORAL_DATABASES: { temporal: string; visibility: string };

export interface TemporalServerBinaries {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
}

export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A URL of the server's maintenance database (the user may create databases). */
  adminUrl: string;
}

export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

export interface TemporalServer {
  /** host:port of its frontend. */
  address: string;
  port: number;
  process: ManagedProcess;
  /** Starts it again on the same ports and databases (after a stop or a crash). */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The cached build, else `go install` of the server and its SQL tool (TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH override). */
export function ensureTemporalServer(): Promise<TemporalServerBinaries>;

/** Creates the two databases when missing and brings their schemas to the SQL tool's versions. */
export function setupTemporalSchemas(o: {
  sqlTool: string;
  postgres: TemporalPostgres;
  env?: NodeJS.ProcessEnv;
}): Promise<void>;

/** The server's config file, as an object (YAML when written). */
export function temporalServerConfig(o: {
  postgres: TemporalPostgres;
  ports: TemporalServerPorts;
  ip: string;
  shards: number;
  dynamicConfigFile: string;
  logLevel: string;
  /** Go's pprof listener on 127.0.0.1 (default off). */
  pprofPort?: number;
}): Record<string, unknown>;

/**
 * One readiness probe: true once the frontend at `address` answers and `namespace`
 * exists with the workflows' search attributes; what is missing is registered on the
 * way (undefined: probe again).
 */
export function namespaceReady(address: string, namespace: string, retentionDays?: number): Promise<true | undefined>;

export function startTemporalServer(o: {
  binaries: TemporalServerBinaries;
  dir: string;
  postgres: TemporalPostgres;
  ip?: string;
  port?: number;
  shards?: number;
  namespace?: string;
  retentionDays?: number;
  logLevel?: string;
  /** Go's pprof listener on 127.0.0.1 (/debug/pprof/profile; default off). */
  pprofPort?: number;
  /** 'inherit' (our stderr), or the log file it appends to. */
  output: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<TemporalServer>;
