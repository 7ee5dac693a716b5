// Types of cluster.mjs, for the TypeScript tests (test/cluster) and for its own JSDoc.
import type { ApiHandle, AppHandle, AppOptions, ServerHandle, Service } from './service-supervisor.mjs';

export interface ClusterPorts {
  /** The load balancer's frontend: the api's address for callers (default: a free port). */
  api?: number;
  /** The Temporal server's frontend (default: a free port below 32768). */
  temporal?: number;
  /** PostgreSQL, the first time the cluster in the data directory starts (then its connection.json says). */
  postgres?: number;
}

export interface ClusterOptions {
  /**
   * Its state: the PostgreSQL cluster (postgres/), the Temporal server's configuration
   * and log (temporal-server/), HAProxy's (haproxy/), and with logs 'files' one log per
   * api and worker (<name>.log). As root it must be reachable by the postgres user.
   */
  dataDir: string;
  ports?: ClusterPorts;
  /** Where the load balancer listens (default 127.0.0.1). The replicas always listen on 127.0.0.1. */
  apiHost?: string;
  /** Where the Temporal server's services listen (default 127.0.0.1). */
  temporalIp?: string;
  /** History shards of a new Temporal database (default 4; fixed once the database exists). */
  shards?: number;
  /** api replicas behind the load balancer (default 2): api, api-2, ... */
  apis?: number;
  /** Workers on the task queue (default 2): worker, worker-2, ... */
  workers?: number;
  /** Options of one api or worker by name (e.g. a profiler preloaded); the apis keep API_TRUST_PROXY. */
  appOptions?: (name: string, kind: 'api' | 'worker') => AppOptions;
  /** The Temporal server's Go pprof listener on 127.0.0.1 (default off): /debug/pprof/profile. */
  temporalPprofPort?: number;
  /** The environment of the apis, workers, migrations and the keys CLI (their configuration). */
  env: Record<string, string | undefined>;
  /** 'inherit': the apps write to our stdout and stderr; 'files': to <dataDir>/<name>.log. The servers always log to files. */
  logs: 'inherit' | 'files';
  /** Use the data directory's PostgreSQL when it already runs. */
  reuseRunning?: boolean;
  /** A process that exits while nobody stopped it (default: a line on stderr). */
  onUnexpectedExit?: (name: string, how: string) => void;
  removeDataDirOnStop?: boolean;
  /** Aborting it ends a start under way: what was started is stopped. */
  signal?: AbortSignal;
}

/** One row of HAProxy's statistics for the api backend (a replica, or BACKEND for the sum). */
export interface BackendStats {
  name: string;
  status: string;
  /** The last health check's result (L7OK: /health answered 200). */
  check: string;
  /** Requests sent to it. */
  sessions: number;
  retries: number;
  redispatches: number;
  /** Failed connections and responses. */
  errors: number;
  /** Times it was marked down. */
  downs: number;
}

export interface LoadBalancerHandle extends ServerHandle {
  readonly url: string;
  readonly statsUrl: string;
  stats(): Promise<BackendStats[]>;
}

export interface Cluster {
  readonly dataDir: string;
  /** The load balancer: where callers send requests. */
  readonly baseUrl: string;
  readonly temporalAddress: string;
  readonly databaseUrl: string;
  /** The supervisor's service: migrations, keys, the apps' environment. */
  readonly service: Service;
  readonly temporal: ServerHandle;
  /** PostgreSQL, unless an already running one was reused. */
  readonly postgres: ServerHandle | undefined;
  readonly loadBalancer: LoadBalancerHandle;
  /** api (service.api), api-2, ... */
  readonly apis: ApiHandle[];
  /** worker (service.worker), worker-2, ... */
  readonly workers: AppHandle[];
  readonly logFiles: { temporal: string; haproxy: string; postgres: string };
  /** Stops everything (load balancer, apps, Temporal, PostgreSQL) and leaves nothing behind. */
  stop(): Promise<void>;
}

export function startCluster(options: ClusterOptions): Promise<Cluster>;
