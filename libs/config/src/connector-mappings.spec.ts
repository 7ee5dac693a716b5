import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTOR_SPECS } from '@retain/domain';
import { loadConfig } from './app-config';
import { loadConnectorMappings } from './connector-mappings';

const dirWith = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'retain-connectors-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};

describe('connector mappings at start', () => {
  it('uses the defaults without a directory, and a file’s overrides over them', () => {
    expect(loadConnectorMappings(undefined).stripe).toBe(CONNECTOR_SPECS.stripe.defaults);
    const dir = dirWith({ 'stripe.yaml': 'accountId: [data.object.customer]\nsignatureToleranceSeconds: 120\n' });
    const m = loadConfig({ DATABASE_URL: 'postgres://u:p@h/db', CONNECTORS_MAPPING_DIR: dir }).connectors.stripe;
    expect(m.accountId).toEqual(['data.object.customer']);
    expect(m.signatureToleranceSeconds).toBe(120);
    expect(m.events).toEqual(CONNECTOR_SPECS.stripe.defaults.events);
  });

  it('stops the process with the file and the key that is wrong', () => {
    const bad = dirWith({ 'stripe.json': JSON.stringify({ events: { 'invoice.paid': 'refund' } }) });
    expect(() => loadConnectorMappings(bad)).toThrow(
      /fix the connector mapping:\n {2}.*stripe\.json: events\.invoice\.paid: one of payment_failure/,
    );
    expect(() => loadConnectorMappings(dirWith({ 'stripe.yaml': 'events: [' }))).toThrow(/cannot be read or parsed/);
    expect(() => loadConnectorMappings(dirWith({ 'strype.yaml': '{}' }))).toThrow(/no connector is called strype/);
    expect(() => loadConnectorMappings(join(tmpdir(), 'no-such-dir-retain'))).toThrow(/does not exist/);
  });

  it('takes a CRM connector’s renewals opt-in, checked key by key, and refuses it for a connector that has none', () => {
    const on = dirWith({
      'salesforce.yaml':
        'renewals:\n  enabled: true\n  recordTypeIds: [012000000000001AAA]\n  stages:\n    Closed Lost: null\n    Won Renewal: renewed\n',
    });
    const r = loadConnectorMappings(on).salesforce.renewals!;
    expect(r).toEqual({
      enabled: true,
      types: ['Renewal'],
      recordTypeIds: ['012000000000001AAA'],
      pipelines: [],
      stages: { 'Closed Won': 'renewed', 'Won Renewal': 'renewed' },
    });
    expect(CONNECTOR_SPECS.salesforce.defaults.renewals!.enabled).toBe(false);
    const bad = dirWith({
      'salesforce.yaml': 'renewals:\n  enabled: yes please\n  stage: {}\n  stages:\n    Closed Won: expanded\n',
    });
    expect(() => loadConnectorMappings(bad)).toThrow(
      /renewals\.stage: unknown key\n {2}renewals\.enabled: true or false\n {2}renewals\.stages\.Closed Won: one of renewed, churned, paused/,
    );
    const none = dirWith({ 'salesforce.yaml': 'renewals:\n  enabled: true\n  types: []\n' });
    expect(() => loadConnectorMappings(none)).toThrow(/enabled needs at least one of types, recordTypeIds, pipelines/);
    expect(() => loadConnectorMappings(dirWith({ 'stripe.yaml': 'renewals: { enabled: true }\n' }))).toThrow(
      /stripe\.yaml: renewals: this connector does not act on renewals/,
    );
  });

  it('the shipped mapping files (config/connectors) are each connector’s defaults, so the docs show what is in force', () => {
    const shipped = loadConnectorMappings(join(__dirname, '../../../config/connectors'));
    for (const [name, spec] of Object.entries(CONNECTOR_SPECS))
      expect(shipped[name as keyof typeof shipped]).toEqual(spec.defaults);
  });
});
