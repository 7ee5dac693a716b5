import { ConfigError, loadConfig } from './app-config';
import { connectHost, parseListenAddress } from './listen-address';

describe('loadConfig', () => {
  const valid = { DATABASE_URL: 'postgres://u:p@localhost:5432/retain' };

  it('applies defaults', () => {
    const c = loadConfig(valid);
    expect(c.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(c.API_PORT).toBe(3000);
    expect(c.TEMPORAL_TASK_QUEUE).toBe('retain');
  });

  it('names a missing required variable', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL=\(missing\)/);
  });

  it.each([
    ['API_PORT', 'eighty', /API_PORT="eighty"/],
    ['API_PORT', '70000', /API_PORT=70000/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS="localhost": must be host:port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL="loud"/],
  ])('names a bad %s', (key, value, message) => {
    expect(() => loadConfig({ ...valid, [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, [key]: value })).toThrow(message);
  });

  it.each(['TEST_PAUSE_AFTER_EVENT_COMMIT_MS', 'TEST_BACKTEST_PAGE_PAUSE_MS'])(
    'takes the test hook %s only with NODE_ENV=test',
    (hook) => {
      expect(loadConfig({ ...valid, NODE_ENV: 'test', [hook]: '150' })[hook as 'TEST_BACKTEST_PAGE_PAUSE_MS']).toBe(
        150,
      );
      expect(() => loadConfig({ ...valid, NODE_ENV: 'production', [hook]: '150' })).toThrow(
        `${hook}: a test hook, only allowed with NODE_ENV=test`,
      );
    },
  );

  it('never prints the database password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' })).toThrow(/DATABASE_URL=\(hidden\)/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' })).not.toThrow(/secret/);
  });

  describe('the metrics listeners', () => {
    it('serve the api and the worker on loopback ports of their own by default, and read the core there too', () => {
      const c = loadConfig(valid);
      expect([c.API_METRICS_ADDRESS, c.WORKER_METRICS_ADDRESS, c.WORKER_TEMPORAL_METRICS_ADDRESS]).toEqual([
        '127.0.0.1:9464',
        '127.0.0.1:9465',
        '127.0.0.1:9466',
      ]);
      expect(parseListenAddress(c.API_METRICS_ADDRESS)).toEqual({ host: '127.0.0.1', port: 9464 });
    });

    it.each([
      // value, what it parses to
      ['off', null],
      ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
      ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
      ['[::1]:9464', { host: '::1', port: 9464 }],
      ['metrics.internal:9100', { host: 'metrics.internal', port: 9100 }],
    ])('takes API_METRICS_ADDRESS=%s', (value, parsed) => {
      expect(parseListenAddress(loadConfig({ ...valid, API_METRICS_ADDRESS: value }).API_METRICS_ADDRESS)).toEqual(
        parsed,
      );
    });

    it.each([
      ['API_METRICS_ADDRESS', '9464', /API_METRICS_ADDRESS="9464": must be host:port/],
      ['WORKER_METRICS_ADDRESS', 'on', /WORKER_METRICS_ADDRESS="on": must be host:port/],
      ['WORKER_METRICS_ADDRESS', 'http://worker:9465', /WORKER_METRICS_ADDRESS="http:\/\/worker:9465"/],
      ['API_METRICS_ADDRESS', '0.0.0.0:70000', /API_METRICS_ADDRESS="0.0.0.0:70000": the port must be 0 to 65535/],
      // The worker reads the core's metrics where it told the core to serve them: a free port would be unknown.
      [
        'WORKER_TEMPORAL_METRICS_ADDRESS',
        '127.0.0.1:0',
        /WORKER_TEMPORAL_METRICS_ADDRESS="127.0.0.1:0": needs a fixed port/,
      ],
      // The SDK core binds a socket address: a host name would only fail when the worker starts.
      [
        'WORKER_TEMPORAL_METRICS_ADDRESS',
        'localhost:9466',
        /WORKER_TEMPORAL_METRICS_ADDRESS="localhost:9466": the host must be an IP address/,
      ],
    ])('names a bad %s (%s)', (key, value, message) => {
      expect(() => loadConfig({ ...valid, [key]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...valid, [key]: value })).toThrow(message);
    });

    it('reaches a wildcard listener on loopback', () => {
      // connectHost: what a scraper on the same machine connects to.
      expect(connectHost({ host: '0.0.0.0', port: 1 })).toBe('127.0.0.1');
      expect(connectHost({ host: '::', port: 1 })).toBe('[::1]');
      expect(connectHost({ host: '10.1.2.3', port: 1 })).toBe('10.1.2.3');
    });
  });

  describe('the CRM write-back', () => {
    it('is off by default', () => {
      expect(loadConfig(valid).CRM_WRITEBACK).toBe('off');
    });

    it('takes HubSpot with a private app token, and refuses it without one', () => {
      const c = loadConfig({ ...valid, CRM_WRITEBACK: 'hubspot', CRM_ACCESS_TOKEN: 'pat-na1-x' });
      expect(c.CRM_WRITEBACK).toBe('hubspot');
      expect(() => loadConfig({ ...valid, CRM_WRITEBACK: 'hubspot' })).toThrow(
        'CRM_ACCESS_TOKEN=(missing): CRM_WRITEBACK=hubspot needs a private app access token',
      );
    });

    it("takes Salesforce with the org's URL and client credentials or a token", () => {
      const org = { ...valid, CRM_WRITEBACK: 'salesforce', CRM_API_BASE_URL: 'https://acme.my.salesforce.com' };
      expect(loadConfig({ ...org, CRM_CLIENT_ID: 'key', CRM_CLIENT_SECRET: 'secret' }).CRM_CLIENT_ID).toBe('key');
      expect(loadConfig({ ...org, CRM_ACCESS_TOKEN: '00D!x' }).CRM_ACCESS_TOKEN).toBe('00D!x');
      expect(() => loadConfig(org)).toThrow(/needs client credentials \(or CRM_ACCESS_TOKEN\)/);
      expect(() => loadConfig({ ...org, CRM_API_BASE_URL: undefined, CRM_ACCESS_TOKEN: 't' })).toThrow(
        "CRM_API_BASE_URL=(missing): CRM_WRITEBACK=salesforce needs the org's My Domain URL",
      );
      expect(() => loadConfig({ ...org, CRM_CLIENT_ID: 'key' })).toThrow('give both or neither');
    });

    it.each([
      ['CRM_WRITEBACK', 'pipedrive', /CRM_WRITEBACK="pipedrive"/],
      ['CRM_API_BASE_URL', 'api.hubapi.com', /CRM_API_BASE_URL="api.hubapi.com": must be an http/],
      ['CRM_RISK_CATEGORY_FIELD', 'risk category', /CRM_RISK_CATEGORY_FIELD="risk category": must be a CRM field/],
      ['CRM_ACCOUNT_ID_FIELD', '1st_id', /CRM_ACCOUNT_ID_FIELD="1st_id"/],
    ])('names a bad %s', (key, value, message) => {
      expect(() => loadConfig({ ...valid, [key]: value })).toThrow(message);
    });

    it('never prints the tokens', () => {
      const bad = { ...valid, CRM_WRITEBACK: 'nope', CRM_ACCESS_TOKEN: 'pat-secret', CRM_CLIENT_SECRET: 'cs-secret' };
      expect(() => loadConfig(bad)).toThrow(ConfigError);
      expect(() => loadConfig(bad)).not.toThrow(/secret/);
    });
  });
});
