import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CONNECTOR_NAMES,
  CONNECTOR_SPECS,
  isConnectorName,
  resolveConnectorMapping,
  type ConnectorMapping,
  type ConnectorName,
} from '@retain/domain';
import { ConfigError } from './config-error';

/**
 * The connectors' mappings in force (docs/connectors/README.md, "Mapping"): each
 * connector's defaults, with the overrides of `<CONNECTORS_MAPPING_DIR>/<name>.yaml`
 * (or `.yml`, `.json`) when the directory has one. Read once at start by the api; a
 * file that cannot be read, parsed or checked, or names no connector, stops the process
 * with the file and the key that is wrong.
 */
export function loadConnectorMappings(dir: string | undefined): Record<ConnectorName, ConnectorMapping> {
  const out = Object.fromEntries(CONNECTOR_NAMES.map((n) => [n, CONNECTOR_SPECS[n].defaults])) as Record<
    ConnectorName,
    ConnectorMapping
  >;
  if (!dir) return out;
  const fail = (file: string, why: string): never => {
    throw new ConfigError(`Invalid configuration; fix the connector mapping:\n  ${file}: ${why}`);
  };
  if (!existsSync(dir)) fail(dir, 'CONNECTORS_MAPPING_DIR does not exist');
  const seen = new Set<string>();
  for (const entry of readdirSync(dir).sort()) {
    const ext = extname(entry).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    const file = join(dir, entry);
    const name = entry.slice(0, -ext.length);
    if (!isConnectorName(name)) fail(file, `no connector is called ${name}; one of ${CONNECTOR_NAMES.join(', ')}`);
    if (seen.has(name)) fail(file, `a second mapping file for ${name}`);
    seen.add(name);
    let parsed: unknown;
    try {
      const text = readFileSync(file, 'utf8');
      parsed = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      fail(file, `cannot be read or parsed (${(error as Error).message.split('\n')[0]})`);
    }
    const { mapping, problems } = resolveConnectorMapping(CONNECTOR_SPECS[name as ConnectorName], parsed);
    if (problems.length) fail(file, problems.join('\n  '));
    out[name as ConnectorName] = mapping;
  }
  return out;
}
