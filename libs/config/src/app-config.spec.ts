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
});
