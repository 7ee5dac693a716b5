import { ConfigError, loadConfig } from './app-config';

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
});
