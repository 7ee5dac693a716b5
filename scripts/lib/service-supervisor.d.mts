// Types of service-supervisor.mjs, for the TypeScript tests (test/reliability) and for
// its own JSDoc.
import type { ManagedProcess } from './managed-process.mjs';

export interface ServicePorts {
  /** The api's port. */
  api?: number;
  /** The Temporal dev server's frontend. */
  temporal?: number;
  /** Its Web UI. */
  temporalUi?: number;
  /** PostgreSQL, the first time the cluster in the data directory starts (then its connection.json says). */
  postgres?: number;
}

export interface AppOptions {
  /** Variables over the service's environment, for every run of this process. */
  env?: Record<string, string>;
  /** Node options before the entry script (e.g. --import a profiler). */
  nodeArgs?: string[];
}

export interface ServiceOptions {
  /**
   * Where the service keeps its state: the Temporal SQLite file (temporal/), the
   * PostgreSQL cluster (postgres/, with its log), and with logs 'files' one log per
   * process (<name>.log). As root it must be reachable by the postgres user.
   */
  dataDir: string;
  /** Ports; each one left out is chosen free, and chosen again when the server fails to start on it. */
  ports?: ServicePorts;
  /** The environment api, worker, migrations and the keys CLI start from (their configuration variables); the supervisor sets DATABASE_URL, TEMPORAL_ADDRESS, WORKFLOW_BUNDLE_PATH, and API_PORT and API_HOST of each api, over it. */
  env: Record<string, string | undefined>;
  /** 'inherit': every process writes to our stdout and stderr; 'files': to <dataDir>/<name>.log. */
  logs: 'inherit' | 'files';
  /** The address the api listens on (default 127.0.0.1). */
  apiHost?: string;
  /** The address the dev server's frontend and Web UI listen on (default 127.0.0.1). */
  temporalIp?: string;
  /** The dev server's Web UI (default true). */
  temporalUi?: boolean;
  /** The Temporal CLI, or how to find it (called only when a dev server is started here). */
  temporalCli: string | (() => Promise<string>);
  /** An existing Temporal frontend (host:port): no dev server is started. */
  temporalAddress?: string;
  /** An existing database: no PostgreSQL is started. */
  databaseUrl?: string;
  /** Use a Temporal server already listening on ports.temporal, and the data directory's PostgreSQL when it already runs (npm start). */
  reuseRunning?: boolean;
  /** The prebuilt workflow bundle (default dist/workflow-bundle.js). */
  workflowBundle?: string;
  /** The main api and worker (default: both started, no options). */
  api?: AppOptions;
  worker?: AppOptions;
  /**
   * The main api and worker serve their metrics where the configuration says (its
   * defaults unless `env` sets API_METRICS_ADDRESS, WORKER_METRICS_ADDRESS,
   * WORKER_TEMPORAL_METRICS_ADDRESS): `npm start`. Default false: every api and worker
   * takes free metrics ports, with the Temporal SDK core's metrics off, unless `env`
   * names them, so that services and extra processes side by side never meet on a port.
   */
  fixedMetricsPorts?: boolean;
  /** Start the main api and worker before returning (default true; otherwise call their start()). */
  startApps?: boolean;
  /** A process that exits while nobody stopped it (default: a line on stderr). */
  onUnexpectedExit?: (name: string, how: string) => void;
  /** Remove the data directory once everything is stopped (default false). */
  removeDataDirOnStop?: boolean;
  /** Aborting it ends a start under way: startService stops what it started and fails. */
  signal?: AbortSignal;
}

/** A process the service started: a server, an api, a worker. */
export interface ProcessHandle {
  readonly name: string;
  readonly running: boolean;
  /** Its pid (also its process group), 0 when it never ran. */
  readonly pid: number;
  /** Its log, unless its output is inherited. */
  readonly logFile: string | undefined;
  /** Stops it and everything in its process group: `signal` (default its graceful one), SIGKILL after the grace period. Resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** stop('SIGKILL'): a crash. */
  kill(): Promise<void>;
  /** The end of its log ('' when inherited). */
  tail(lines?: number): string;
}

/** The Temporal dev server or PostgreSQL, when started here. */
export interface ServerHandle extends ProcessHandle {
  readonly port: number;
  /** Starts it again on the same port and data, and waits until it answers (retried). */
  start(): Promise<void>;
  restart(signal?: NodeJS.Signals): Promise<void>;
}

export interface AppHandle extends ProcessHandle {
  /** Starts it (again) and waits until it is ready (api: /health answers 200; worker: it polls its task queue); retried when it does not come up. `env`: variables for this run only. */
  start(env?: Record<string, string>): Promise<void>;
  restart(env?: Record<string, string>): Promise<void>;
}

export interface ApiHandle extends AppHandle {
  /** Its port: fixed once it started (0 before). */
  readonly port: number;
  readonly baseUrl: string;
}

export interface KeySpec {
  role: string;
  user: string;
  name?: string;
  manager?: string;
  label?: string;
}

export interface Service {
  readonly dataDir: string;
  readonly temporalAddress: string;
  readonly temporalUiUrl: string | undefined;
  readonly databaseUrl: string;
  /** The environment of every api and worker (before their own variables). */
  readonly env: Record<string, string | undefined>;
  /** The dev server, when started here. */
  readonly temporal: ServerHandle | undefined;
  /** PostgreSQL, when started here. */
  readonly postgres: ServerHandle | undefined;
  readonly api: ApiHandle;
  readonly worker: AppHandle;
  /** Another api process (on a port of its own), not started yet; stopped with the service. */
  addApi(name: string, options?: AppOptions & { port?: number }): ApiHandle;
  /** Another worker process, not started yet; stopped with the service. */
  addWorker(name: string, options?: AppOptions): AppHandle;
  /** A new API key (the plaintext) through the keys CLI; a manager must have a key already. */
  mintKey(spec: KeySpec): Promise<string>;
  /** A Standard Webhooks signing secret for an integration principal, through the keys CLI. */
  signingSecret(user: string): Promise<string>;
  /** The key kept in `file` while it is valid, else a new one (kept there, mode 0600). */
  keptKey(file: string, spec: KeySpec & { label: string }): Promise<string>;
  /** Stops every process it started (apps first, then the servers) and leaves none behind. */
  stop(): Promise<void>;
}

/** Starts the service: Temporal and PostgreSQL unless given, migrations, then the worker and the api. */
export function startService(options: ServiceOptions): Promise<Service>;

/** A server process of ours (anything with a port, a process and start/stop) as a handle. */
export function serverHandle(server: {
  port: number;
  process: ManagedProcess;
  start: () => Promise<void>;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}): ServerHandle;

/** A fresh temporary data directory (that the postgres user can enter when we are root). */
export function temporaryDataDir(prefix: string): string;
