import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '@retain/domain';
import { ConfigError, loadConfig } from './app-config';
import { loadDeploymentPolicy } from './deployment-policy';

describe('loadDeploymentPolicy (RETAIN_POLICY_FILE)', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'retain-policy-spec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the defaults without a file', () => {
    expect(loadDeploymentPolicy(undefined)).toBe(DEFAULT_POLICY);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h/db' }).policy).toBe(DEFAULT_POLICY);
  });

  it('reads YAML and JSON settings over the defaults, with the version the file names', () => {
    const yaml = loadDeploymentPolicy(
      file(
        'p.yaml',
        'version: acme-2027.1\nearlyWarning:\n  sla:\n    responseHours: { P0: 0.25, P1: 8, P2: 48, P3: 168 }\n',
      ),
    );
    expect(yaml.version).toBe('acme-2027.1');
    expect(yaml.earlyWarning.sla.responseHours).toEqual({ P0: 0.25, P1: 8, P2: 48, P3: 168 });
    expect(yaml.renewal).toEqual(DEFAULT_POLICY.renewal);
    const json = loadDeploymentPolicy(
      file('p.json', JSON.stringify({ save: { efforts: DEFAULT_POLICY.save.efforts } })),
    );
    expect(json.save).toEqual(DEFAULT_POLICY.save);
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h/db', RETAIN_POLICY_FILE: join(dir, 'p.yaml') });
    expect(config.policy.version).toBe('acme-2027.1');
  });

  it('versions a file without one by its settings: the same settings in any order or format, the same version', () => {
    const a = loadDeploymentPolicy(
      file('a.json', '{"earlyWarning":{"saveRequestWithinDays":60,"eventLookbackDays":5}}'),
    );
    const b = loadDeploymentPolicy(
      file('b.yml', 'earlyWarning:\n  eventLookbackDays: 5\n  saveRequestWithinDays: 60\n'),
    );
    const c = loadDeploymentPolicy(
      file('c.json', '{"earlyWarning":{"saveRequestWithinDays":61,"eventLookbackDays":5}}'),
    );
    expect(a.version).toMatch(new RegExp(`^${DEFAULT_POLICY.version.replace(/\./g, '\\.')}\\+[0-9a-f]{12}$`));
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
  });

  it.each([
    ['missing.json', null, /RETAIN_POLICY_FILE=.*missing\.json: cannot be read \(ENOENT\)/],
    ['bad.json', '{"earlyWarning": ', /bad\.json: not valid JSON/],
    ['bad.yaml', 'earlyWarning: [1, 2\n', /bad\.yaml: not valid YAML/],
    ['list.json', '[1, 2]', /list\.json: must hold an object of policy settings/],
    ['empty-version.json', '{"version": ""}', /policy\.version: a non-empty string/],
    [
      'unknown.json',
      '{"earlyWarning": {"sla": {"responseMinutes": 5}}}',
      /policy\.earlyWarning\.sla\.responseMinutes: unknown policy setting/,
    ],
    [
      'type.yaml',
      'save:\n  approval:\n    maxDiscountPct: { csm: five }\n',
      /policy\.save\.approval\.maxDiscountPct\.csm: expected a number/,
    ],
    [
      'order.json',
      '{"earlyWarning": {"sla": {"responseHours": {"P0": 30, "P1": 24, "P2": 72, "P3": 336}}}}',
      /earlyWarning\.sla\.responseHours: > 0 for every severity, P0 <= P1 <= P2 <= P3/,
    ],
  ])('stops the process on %s, naming the file and the key', (name, text, message) => {
    const path = text === null ? join(dir, name) : file(name, text);
    expect(() => loadDeploymentPolicy(path)).toThrow(ConfigError);
    expect(() => loadDeploymentPolicy(path)).toThrow(message);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:p@h/db', RETAIN_POLICY_FILE: path })).toThrow(message);
  });
});
