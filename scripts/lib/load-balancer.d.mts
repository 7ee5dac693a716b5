// Types of load-balancer.mjs, for the TypeScript tests and for its own JSDoc.
import type { ManagedProcess } from './managed-process.mjs';
import type { BackendStats } from './cluster.mjs';

export interface Backend {
  name: string;
  /** On 127.0.0.1. */
  port: number;
}

export interface LoadBalancer {
  /** http://host:port of the frontend. */
  url: string;
  port: number;
  statsUrl: string;
  process: ManagedProcess;
  /** The backend's servers and the backend itself (BACKEND). */
  stats(): Promise<BackendStats[]>;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** HAPROXY_PATH, haproxy on PATH or /usr/sbin/haproxy, else Debian's package installed with apt-get (as root). */
export function ensureHaproxy(): Promise<string>;

/** The generated haproxy.cfg. */
export function haproxyConfig(o: { host: string; port: number; statsPort: number; backends: Backend[] }): string;

/** HAProxy in the foreground, ready once every backend passed its health check. */
export function startLoadBalancer(o: {
  haproxy: string;
  dir: string;
  host: string;
  port?: number;
  backends: Backend[];
  /** 'inherit' (our stderr), or the log file it appends to. */
  output: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<LoadBalancer>;
