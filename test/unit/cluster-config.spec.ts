import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { haproxyConfig } from '../../scripts/lib/load-balancer.mjs';
import { freePort } from '../../scripts/lib/readiness.mjs';
import {
  DEFAULT_HISTORY_SHARDS,
  TEMPORAL_DATABASES,
  TEMPORAL_SERVER_VERSION,
  temporalServerConfig,
} from '../../scripts/lib/temporal-server.mjs';

/**
 * What `npm run start:cluster` generates for the Temporal server and HAProxy, read
 * back: the same Temporal release and databases as docker-compose.yml, PostgreSQL for
 * both stores, the load balancer's health checks and retries.
 */
const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string> }>;
};

describe('the cluster topology (scripts/lib/cluster.mjs)', () => {
  it('builds the Temporal release docker-compose.yml runs, with its shards, on the databases its schema job creates', () => {
    const tag = (name: string) => /:(\d+\.\d+\.\d+)$/.exec(compose.services[name]!.image!)?.[1];
    expect([tag('temporal'), tag('temporal-schema'), tag('temporal-namespace')]).toEqual(
      Array(3).fill(TEMPORAL_SERVER_VERSION.replace(/^v/, '')),
    );
    expect(compose.services.temporal!.environment!.NUM_HISTORY_SHARDS).toBe(String(DEFAULT_HISTORY_SHARDS));
    const schemaJob = compose.services['temporal-schema']!.environment!;
    expect([schemaJob.DBNAME, schemaJob.VISIBILITY_DBNAME]).toEqual([
      TEMPORAL_DATABASES.temporal,
      TEMPORAL_DATABASES.visibility,
    ]);
  });

  it('configures the Temporal server on PostgreSQL for persistence and visibility, with its shards and every service on its own ports', () => {
    const ports = {
      frontend: 7233,
      frontendHttp: 7243,
      history: 7234,
      matching: 7235,
      worker: 7239,
      frontendMembership: 6933,
      historyMembership: 6934,
      matchingMembership: 6935,
      workerMembership: 6939,
    };
    const config = temporalServerConfig({
      postgres: { host: '127.0.0.1', port: 54330, user: 'retain', password: 'pw', adminUrl: 'unused' },
      ports,
      ip: '127.0.0.1',
      shards: 4,
      dynamicConfigFile: '/tmp/dc.yaml',
      logLevel: 'warn',
    }) as any;
    const stores = config.persistence.datastores;
    expect(config.persistence).toMatchObject({
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
    });
    expect([stores.default.sql.pluginName, stores.visibility.sql.pluginName]).toEqual(['postgres12', 'postgres12']);
    expect([stores.default.sql.databaseName, stores.visibility.sql.databaseName]).toEqual([
      TEMPORAL_DATABASES.temporal,
      TEMPORAL_DATABASES.visibility,
    ]);
    expect(stores.default.sql.connectAddr).toBe('127.0.0.1:54330');
    expect(Object.keys(config.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    const used = Object.values(config.services).flatMap((s: any) =>
      [s.rpc.grpcPort, s.rpc.membershipPort, s.rpc.httpPort].filter(Boolean),
    );
    expect(new Set(used).size).toBe(used.length);
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:7233');
    // Go's pprof listener stays off unless asked for (bench/scaling.mjs profiles the server through it), and then on loopback only.
    expect(config.global.pprof).toEqual({ port: 0 });
    const profiled = temporalServerConfig({
      postgres: { host: '127.0.0.1', port: 54330, user: 'retain', password: 'pw', adminUrl: 'unused' },
      ports,
      ip: '0.0.0.0',
      shards: 4,
      dynamicConfigFile: '/tmp/dc.yaml',
      logLevel: 'warn',
      pprofPort: 7936,
    }) as any;
    expect(profiled.global.pprof).toEqual({ port: 7936, host: '127.0.0.1' });
  });

  it('chooses free ports inside a range (the Temporal server stores its ports in a smallint column)', async () => {
    const range = { min: 20_000, max: 32_767 };
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort(range)));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(range.min);
      expect(port).toBeLessThanOrEqual(range.max);
    }
    // Free indeed: each one can be listened on.
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('puts HAProxy in front of every replica, health-checked on /health, retrying a dropped request on the other replica', () => {
    const cfg = haproxyConfig({
      host: '127.0.0.1',
      port: 3000,
      statsPort: 9000,
      backends: [
        { name: 'api', port: 41001 },
        { name: 'api-2', port: 41002 },
      ],
    });
    const lines = cfg.split('\n').map((l) => l.trim());
    expect(lines).toContain('bind 127.0.0.1:3000');
    expect(lines).toContain('option httpchk GET /health');
    expect(lines).toContain('retry-on conn-failure empty-response');
    expect(lines).toContain('option redispatch 1');
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([
      'server api 127.0.0.1:41001 check',
      'server api-2 127.0.0.1:41002 check',
    ]);
  });
});
