import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { DEFAULT_POLICY, type ConnectorMapping, type ConnectorName, type RetainPolicy } from '@retain/domain';
import { loadConnectorMappings } from './connector-mappings';
import { ConfigError } from './config-error';
import { loadDeploymentPolicy } from './deployment-policy';
import { isIP } from 'node:net';
import { LISTEN_ADDRESS, parseListenAddress } from './listen-address';

export { ConfigError } from './config-error';

/** A CRM field or property name: HubSpot's internal property names, Salesforce's API field names. */
const CRM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
const CRM_FIELD_MESSAGE = "must be a CRM field's API name (letters, digits and _, starting with a letter)";

/**
 * Every environment variable the api and the worker read, validated at start-up. A bad
 * or missing variable stops the process with a message naming it. The README's
 * configuration table and docker-compose.yml are checked against this class by
 * test/unit/compose.spec.ts.
 */
export class AppConfig {
  /** postgres://user:password@host:port/database */
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// connection URL' })
  DATABASE_URL!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** host:port of the Temporal frontend. */
  @IsOptional()
  @Matches(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' })
  TEMPORAL_ADDRESS = 'localhost:7233';

  @IsOptional()
  @IsString()
  @MinLength(1)
  TEMPORAL_NAMESPACE = 'default';

  @IsOptional()
  @IsString()
  @MinLength(1)
  TEMPORAL_TASK_QUEUE = 'retain';

  /** The interface the api listens on: loopback unless a deployment opens it (containers set 0.0.0.0). */
  @IsOptional()
  @IsString()
  API_HOST = '127.0.0.1';

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  /**
   * The HTTP stack under the api's Nest application: `fastify` (the default, Nest's
   * Fastify adapter: the lighter request path) or `express` (Nest's Express adapter).
   * Both answer the same routes, bodies, problems and headers
   * (apps/api/src/http/http-platform.ts); the managers-list benchmark compares them.
   */
  @IsOptional()
  @IsIn(['fastify', 'express'])
  HTTP_SERVER: 'fastify' | 'express' = 'fastify';

  /**
   * The `trust proxy` setting (Express's, and Fastify's `trustProxy`) for a load balancer in front: a hop count, or addresses and
   * subnets (`loopback`, `10.0.0.0/8`). Without it the client address of the rate limit
   * is the socket's.
   */
  @IsOptional()
  @Matches(
    /^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+))*)$/,
    {
      message:
        'must be a hop count or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal',
    },
  )
  API_TRUST_PROXY?: string;

  /**
   * The built web app (`npm run build` writes it to dist/web) the api serves under `/app`;
   * default dist/web of the checkout or image. A directory without an index.html serves nothing.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  WEB_DIST_DIR?: string;

  /**
   * host:port of the api's Prometheus listener (`GET /metrics`, the text format, no
   * authentication), apart from API_PORT: an internal interface for the scraper, never
   * the public one (docs/decisions/0008-prometheus.md). `off` serves none; port 0 takes
   * a free port (tests).
   */
  @IsOptional()
  @Matches(LISTEN_ADDRESS, { message: 'must be host:port (an internal interface) or off' })
  API_METRICS_ADDRESS = '127.0.0.1:9464';

  /** Requests one API key may make per window (sized for integrations posting events one by one at 100+/s). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_PER_KEY = 12_000;

  /** Requests one client address may make per window, before authentication. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_PER_ADDRESS = 30_000;

  /** The rate limits' window, in seconds. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Public base URL, only used in printed links and the OpenAPI document. */
  @IsOptional()
  @IsString()
  PUBLIC_BASE_URL?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  /** Prebuilt workflow bundle (production); without it the worker bundles at start. */
  @IsOptional()
  @IsString()
  WORKFLOW_BUNDLE_PATH?: string;

  /** Seconds the worker waits for running activities on shutdown. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  WORKER_SHUTDOWN_GRACE_SECONDS = 10;

  /**
   * `on` (the default): workflows started under the deployment's policy name it by version
   * and digest, once a worker has written it to the durable registry (`policy_registry`),
   * instead of carrying it whole (docs/decisions/0010-lean-workflow-inputs.md); `off`: always whole.
   */
  @IsOptional()
  @IsIn(['on', 'off'])
  LEAN_WORKFLOW_INPUTS: 'on' | 'off' = 'on';

  /** Workflows the worker keeps in its sticky cache (Temporal's default is sized from memory); 0 replays every task from history. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100000)
  WORKER_MAX_CACHED_WORKFLOWS?: number;

  /** Workflow tasks the worker runs at once (Temporal's default: 40); at least 2 (docs/worker-tuning.md). */
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(10000)
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS?: number;

  /** Activities the worker runs at once (Temporal's default: 100; docs/worker-tuning.md). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  WORKER_MAX_CONCURRENT_ACTIVITIES?: number;

  /** Long polls the worker keeps open for workflow tasks (Temporal's default: min(10, workflow task slots)); 2 to the workflow task slots. */
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  WORKER_WORKFLOW_TASK_POLLERS?: number;

  /** Long polls the worker keeps open for activity tasks (Temporal's default: min(10, activity slots)); 1 to the activity slots. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_ACTIVITY_TASK_POLLERS?: number;

  /** host:port of the worker's Prometheus listener (`GET /metrics`, no authentication; an internal interface), or `off`; port 0 takes a free port. */
  @IsOptional()
  @Matches(LISTEN_ADDRESS, { message: 'must be host:port (an internal interface) or off' })
  WORKER_METRICS_ADDRESS = '127.0.0.1:9465';

  /**
   * host:port where the Temporal SDK's native core serves its own worker metrics
   * (its runtime telemetry), which the worker's /metrics fetches and appends; loopback,
   * since only the worker reads it. `off` leaves them out. A fixed port: the core does
   * not say which one it took.
   */
  @IsOptional()
  @Matches(LISTEN_ADDRESS, { message: 'must be host:port or off' })
  WORKER_TEMPORAL_METRICS_ADDRESS = '127.0.0.1:9466';

  /**
   * Test hook for the reliability suite: the api waits this long after committing an
   * event batch to the inbox before it answers, so a test can kill it in between.
   * Refused outside NODE_ENV=test.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600000)
  TEST_PAUSE_AFTER_EVENT_COMMIT_MS?: number;

  /**
   * Threads the worker replays a policy back-test's pages on (docs/policy-lab.md,
   * "Speed"); 0 replays them in the activity's own thread. By default the machine's
   * available parallelism. The results do not depend on it.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(64)
  BACKTEST_THREADS?: number;

  /**
   * Test hook of the reliability suite: the worker waits this long after reading each
   * page of a policy back-test, so a scenario can kill it mid-run. Refused outside
   * NODE_ENV=test.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600000)
  TEST_BACKTEST_PAGE_PAUSE_MS?: number;

  /**
   * Milliseconds between passes of the worker's event relay over an empty inbox (the
   * api also wakes it at once through PostgreSQL NOTIFY; this is the fallback).
   */
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60000)
  EVENT_RELAY_INTERVAL_MS = 500;

  /** Signal-with-start calls the event relay makes at once (one account's events stay in order). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  EVENT_RELAY_CONCURRENCY = 16;

  /** Inbox rows one relay pass locks and delivers. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  EVENT_RELAY_BATCH_SIZE = 500;

  /**
   * Most events of one account the relay sends in one signal (its waiting rows of a
   * pass, oldest first; more go in the next signal, in order). One signal per account
   * instead of one per event is what lets the inbox path outrun per-event
   * signal-with-start (bench/README.md, event-ingestion).
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  EVENT_RELAY_EVENTS_PER_SIGNAL = 100;

  /** Where the worker POSTs notifications (Slack-compatible JSON); without it no webhook is sent. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  NOTIFY_WEBHOOK_URL?: string;

  /** Standard Webhooks secret the notification webhook is signed with. */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/=]+$/, { message: 'must be a Standard Webhooks secret starting with whsec_' })
  NOTIFY_WEBHOOK_SECRET?: string;

  /** smtp://user:password@host:port or smtps://...; without it no email is sent. */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(3)
  NOTIFY_EMAIL_FROM = 'retain@localhost';

  /** Slack Web API base URL the chat channel posts `chat.postMessage` to (a Slack-compatible server in tests). */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  SLACK_API_BASE_URL = 'https://slack.com/api';

  /** Bot token (`xoxb-…`) for chat.postMessage to people whose chat address is a Slack id; without it only their incoming webhooks are used. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  SLACK_BOT_TOKEN?: string;

  /** Base URL of a Twilio-compatible SMS gateway (`https://api.twilio.com`); without it (or the sid, token, sender) no SMS is sent. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  SMS_GATEWAY_BASE_URL?: string;

  /** The gateway account (Twilio's Account SID); the user name of its basic auth. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be letters, digits, _ or - (an account SID)' })
  SMS_ACCOUNT_SID?: string;

  /** The gateway's auth token; the password of its basic auth. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  SMS_AUTH_TOKEN?: string;

  /** Sender of text messages: an E.164 number (+14155550100) or an alphanumeric sender id. */
  @IsOptional()
  @Matches(/^(\+[1-9][0-9]{6,14}|[A-Za-z0-9 ]{1,11})$/, {
    message: 'must be an E.164 number or an alphanumeric sender id of at most 11 characters',
  })
  SMS_FROM?: string;

  /** Milliseconds between passes of the worker's notification dispatcher when nothing is due. */
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(600000)
  NOTIFY_POLL_INTERVAL_MS = 1000;

  /**
   * The CRM the worker writes each renewal's risk category and each save's status back to,
   * on the account's company (HubSpot) or Account (Salesforce) record
   * (docs/decisions/0013-crm-write-back.md); `off` writes nothing.
   */
  @IsOptional()
  @IsIn(['off', 'hubspot', 'salesforce'])
  CRM_WRITEBACK: 'off' | 'hubspot' | 'salesforce' = 'off';

  /**
   * The CRM API's base URL: for HubSpot https://api.hubapi.com when not set; for
   * Salesforce the org's My Domain URL (https://MyDomainName.my.salesforce.com), required.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: 'must be an http:// or https:// URL' })
  CRM_API_BASE_URL?: string;

  /** HubSpot: a private app's access token (scope crm.objects.companies.write). Salesforce: an OAuth access token, when no client credentials are set. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CRM_ACCESS_TOKEN?: string;

  /** Salesforce: the connected app's consumer key, for the OAuth client credentials flow (tokens renewed as they expire). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CRM_CLIENT_ID?: string;

  /** Salesforce: the connected app's consumer secret. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CRM_CLIENT_SECRET?: string;

  /** The CRM record's field holding the Retain account id (HubSpot: a unique company property; Salesforce: an external id field on Account). */
  @IsOptional()
  @Matches(CRM_FIELD_NAME, { message: CRM_FIELD_MESSAGE })
  CRM_ACCOUNT_ID_FIELD?: string;

  /** The field the renewal's risk category is written to. */
  @IsOptional()
  @Matches(CRM_FIELD_NAME, { message: CRM_FIELD_MESSAGE })
  CRM_RISK_CATEGORY_FIELD?: string;

  /** The field the save's status is written to. */
  @IsOptional()
  @Matches(CRM_FIELD_NAME, { message: CRM_FIELD_MESSAGE })
  CRM_SAVE_STATUS_FIELD?: string;

  /** The field that takes when the latest of the two changed in Retain (a date-time). */
  @IsOptional()
  @Matches(CRM_FIELD_NAME, { message: CRM_FIELD_MESSAGE })
  CRM_UPDATED_AT_FIELD?: string;

  /** Milliseconds between passes of the worker's CRM write-back dispatcher when nothing is due. */
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(600000)
  CRM_WRITEBACK_POLL_INTERVAL_MS = 1000;

  /**
   * A JSON or YAML file of policy settings over the defaults (docs/rulebook.md, "The
   * policy as a deployment setting"); without it the defaults are in force.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  RETAIN_POLICY_FILE?: string;

  /** The policy in force: the defaults with RETAIN_POLICY_FILE's settings, checked and versioned by loadConfig. Not a variable. */
  policy: RetainPolicy = DEFAULT_POLICY;

  /**
   * A directory of connector mapping files (`stripe.yaml`, ...: docs/connectors/README.md)
   * over each connector's default mapping; without it the defaults are in force.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CONNECTORS_MAPPING_DIR?: string;

  /** The connectors' mappings in force: the defaults with CONNECTORS_MAPPING_DIR's files, checked by loadConfig. Not a variable. */
  connectors: Record<ConnectorName, ConnectorMapping> = loadConnectorMappings(undefined);
}

/** The worker's task slots and pollers (docs/worker-tuning.md): unset, Temporal's defaults. */
export const WORKER_TUNING_KEYS = [
  'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_WORKFLOW_TASK_POLLERS',
  'WORKER_ACTIVITY_TASK_POLLERS',
] as const;
export const CONFIG_KEYS = Object.keys(new AppConfig())
  .filter((key) => key !== 'policy' && key !== 'connectors')
  .concat([
    'DATABASE_URL',
    'PUBLIC_BASE_URL',
    'API_TRUST_PROXY',
    'WEB_DIST_DIR',
    'WORKFLOW_BUNDLE_PATH',
    'NOTIFY_WEBHOOK_URL',
    'NOTIFY_WEBHOOK_SECRET',
    'SMTP_URL',
    'SLACK_BOT_TOKEN',
    'SMS_GATEWAY_BASE_URL',
    'SMS_ACCOUNT_SID',
    'SMS_AUTH_TOKEN',
    'SMS_FROM',
    'WORKER_MAX_CACHED_WORKFLOWS',
    ...WORKER_TUNING_KEYS,
    'BACKTEST_THREADS',
    'TEST_PAUSE_AFTER_EVENT_COMMIT_MS',
    'TEST_BACKTEST_PAGE_PAUSE_MS',
    'RETAIN_POLICY_FILE',
    'CONNECTORS_MAPPING_DIR',
    'CRM_API_BASE_URL',
    'CRM_ACCESS_TOKEN',
    'CRM_CLIENT_ID',
    'CRM_CLIENT_SECRET',
    'CRM_ACCOUNT_ID_FIELD',
    'CRM_RISK_CATEGORY_FIELD',
    'CRM_SAVE_STATUS_FIELD',
    'CRM_UPDATED_AT_FIELD',
  ]) as Array<keyof AppConfig>;

/** The variables without a default, which every deployment must set. */
export const REQUIRED_CONFIG_KEYS: ReadonlyArray<keyof AppConfig> = ['DATABASE_URL'];

const NUMERIC_KEYS = new Set([
  'DATABASE_POOL_SIZE',
  'API_PORT',
  'RATE_LIMIT_PER_KEY',
  'RATE_LIMIT_PER_ADDRESS',
  'RATE_LIMIT_WINDOW_SECONDS',
  'WORKER_SHUTDOWN_GRACE_SECONDS',
  'EVENT_RELAY_INTERVAL_MS',
  'EVENT_RELAY_CONCURRENCY',
  'EVENT_RELAY_BATCH_SIZE',
  'EVENT_RELAY_EVENTS_PER_SIGNAL',
  'NOTIFY_POLL_INTERVAL_MS',
  'CRM_WRITEBACK_POLL_INTERVAL_MS',
  'WORKER_MAX_CACHED_WORKFLOWS',
  ...WORKER_TUNING_KEYS,
  'BACKTEST_THREADS',
  'TEST_PAUSE_AFTER_EVENT_COMMIT_MS',
  'TEST_BACKTEST_PAGE_PAUSE_MS',
]);

/** Variables whose value an error message never shows. */
const HIDDEN_IN_ERRORS = new Set(['DATABASE_URL', 'CRM_ACCESS_TOKEN', 'CRM_CLIENT_SECRET']);

/** Reads and validates the configuration from `env` (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(CONFIG_KEYS)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = NUMERIC_KEYS.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const config = plainToInstance(AppConfig, raw);
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const shown = HIDDEN_IN_ERRORS.has(e.property) ? '(hidden)' : JSON.stringify(e.value);
      return `  ${e.property}=${e.value === undefined ? '(missing)' : shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${lines.join('\n')}`);
  }
  for (const hook of ['TEST_PAUSE_AFTER_EVENT_COMMIT_MS', 'TEST_BACKTEST_PAGE_PAUSE_MS'] as const)
    if (config[hook] !== undefined && config.NODE_ENV !== 'test') {
      throw new ConfigError(
        `Invalid configuration; fix these environment variables:\n  ${hook}: a test hook, only allowed with NODE_ENV=test`,
      );
    }
  const addressErrors = (['API_METRICS_ADDRESS', 'WORKER_METRICS_ADDRESS', 'WORKER_TEMPORAL_METRICS_ADDRESS'] as const)
    .map((key) => {
      const address = parseListenAddress(config[key]);
      if (address && address.port > 65535)
        return `  ${key}=${JSON.stringify(config[key])}: the port must be 0 to 65535`;
      if (address && address.port === 0 && key === 'WORKER_TEMPORAL_METRICS_ADDRESS')
        return `  ${key}=${JSON.stringify(config[key])}: needs a fixed port (the worker reads the metrics there)`;
      // The SDK core binds a socket address and refuses a host name when the worker starts: say so at once.
      if (address && key === 'WORKER_TEMPORAL_METRICS_ADDRESS' && isIP(address.host) === 0)
        return `  ${key}=${JSON.stringify(config[key])}: the host must be an IP address (the Temporal SDK core takes no host name)`;
      return undefined;
    })
    .filter((line) => line !== undefined);
  const pollerErrors = (
    [
      ['WORKER_WORKFLOW_TASK_POLLERS', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40],
      ['WORKER_ACTIVITY_TASK_POLLERS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 100],
    ] as const
  )
    .filter(([pollers, slots, sdkDefault]) => (config[pollers] ?? 0) > (config[slots] ?? sdkDefault))
    .map(
      ([pollers, slots, sdkDefault]) =>
        `  ${pollers}=${config[pollers]}: at most ${slots} (${config[slots] ?? `${sdkDefault}, Temporal's default`}): a poll takes a task slot`,
    );
  addressErrors.push(...pollerErrors);
  if (addressErrors.length > 0)
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${addressErrors.join('\n')}`);
  const crmErrors = crmWriteBackErrors(config);
  if (crmErrors.length > 0)
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${crmErrors.join('\n')}`);
  config.policy = loadDeploymentPolicy(config.RETAIN_POLICY_FILE);
  config.connectors = loadConnectorMappings(config.CONNECTORS_MAPPING_DIR);
  return config;
}

/** What CRM_WRITEBACK needs besides itself: a token for HubSpot; the org's URL and a token or client credentials for Salesforce. */
function crmWriteBackErrors(c: AppConfig): string[] {
  const errors: string[] = [];
  if (c.CRM_WRITEBACK === 'hubspot' && !c.CRM_ACCESS_TOKEN)
    errors.push('  CRM_ACCESS_TOKEN=(missing): CRM_WRITEBACK=hubspot needs a private app access token');
  if (c.CRM_WRITEBACK === 'salesforce') {
    if (!c.CRM_API_BASE_URL)
      errors.push("  CRM_API_BASE_URL=(missing): CRM_WRITEBACK=salesforce needs the org's My Domain URL");
    if (!c.CRM_ACCESS_TOKEN && !(c.CRM_CLIENT_ID && c.CRM_CLIENT_SECRET))
      errors.push(
        '  CRM_CLIENT_ID, CRM_CLIENT_SECRET=(missing): CRM_WRITEBACK=salesforce needs client credentials (or CRM_ACCESS_TOKEN)',
      );
  }
  if (Boolean(c.CRM_CLIENT_ID) !== Boolean(c.CRM_CLIENT_SECRET))
    errors.push('  CRM_CLIENT_ID, CRM_CLIENT_SECRET: give both or neither');
  return errors;
}
