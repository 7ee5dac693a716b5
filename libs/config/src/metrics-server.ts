import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './config-error';
import { connectHost, type ListenAddress } from './listen-address';

/** What a scrape answers: the exposition text and its content type. */
export interface MetricsExposition {
  contentType: string;
  body: string;
}

/**
 * The Prometheus listener of the api and of the worker: `GET /metrics` (and HEAD) on an
 * address of its own (API_METRICS_ADDRESS, WORKER_METRICS_ADDRESS), never the public
 * api port, without authentication: it is meant for an internal interface that only
 * the scraper reaches (docs/decisions/0008-prometheus.md). `GET /health` answers 200 while
 * the process runs, whatever its dependencies do: the liveness probe of the worker (which
 * has no other HTTP server) and of the api in Kubernetes (docs/deploy.md). Anything else is
 * a 404 (a 405 for another method). A scrape that fails answers 500 with the reason.
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    private readonly host: string,
  ) {}

  /**
   * Listens on `address` (port 0: a free port, see `port`), which the configuration
   * variable `variable` gave; when it cannot (the address in use, not this machine's),
   * rejects with a ConfigError naming the variable.
   */
  static async listen(
    variable: string,
    address: ListenAddress,
    render: () => Promise<MetricsExposition>,
  ): Promise<MetricsServer> {
    const server = createServer((req, res) => void answer(req, res, render));
    server.keepAliveTimeout = 65_000;
    const shown = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new ConfigError(
            `Invalid configuration; fix these environment variables:\n  ${variable}=${shown}: cannot listen there (${error.code ?? error.message})`,
          ),
        ),
      );
      server.listen(address.port, address.host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    return new MetricsServer(server, address.host);
  }

  /** The port it listens on (the one the system chose for port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Where a scraper on this machine reads it. */
  get url(): string {
    return `http://${connectHost({ host: this.host, port: this.port })}:${this.port}/metrics`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // A scraper's keep-alive connection would hold the close until it times out.
      this.server.closeAllConnections();
    });
  }
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  render: () => Promise<MetricsExposition>,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health') {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : '{"status":"up"}');
    return;
  }
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  try {
    const { contentType, body } = await render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics could not be collected: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
