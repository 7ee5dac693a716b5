// The settings of the local service (`npm start`, `npm run keys`, `npm run migrate`)
// from their environment variables, read here only: the data directory, the ports, the
// addresses to listen on, and external servers to use instead of local ones.
import { dataDir } from './common.mjs';

/**
 * @returns {{ dataDir: string, ports: { api: number, temporal: number, temporalUi: number, postgres: number }, apiHost: string, temporalIp: string, temporalAddress: string | undefined, databaseUrl: string | undefined }}
 */
export function localSettings() {
  const env = process.env;
  const temporal = Number(env.RETAIN_TEMPORAL_PORT ?? 7233);
  return {
    dataDir: dataDir(),
    ports: {
      api: Number(env.API_PORT ?? 3000),
      temporal,
      temporalUi: Number(env.RETAIN_TEMPORAL_UI_PORT ?? temporal + 1000),
      // The first start's port; then the cluster's connection.json keeps it.
      postgres: Number(env.RETAIN_PG_PORT ?? 54329),
    },
    // Loopback unless told otherwise: anyone reaching Temporal's frontend can signal
    // workflows past the api's checks (API_HOST=0.0.0.0, RETAIN_TEMPORAL_IP=0.0.0.0 open them).
    apiHost: env.API_HOST ?? '127.0.0.1',
    temporalIp: env.RETAIN_TEMPORAL_IP ?? '127.0.0.1',
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}
