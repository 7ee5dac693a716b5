// Kubernetes JSON schemas for kubeconform, made offline from Go modules the module proxy
// serves (kubeconform downloads them from GitHub otherwise, which this build does not
// reach): the OpenAPI document of a Kubernetes release (k8s.io/kubernetes's
// api/openapi-spec/swagger.json, the one the API server of that release serves) and the
// CustomResourceDefinitions of KEDA (github.com/kedacore/keda/v2's config/crd/bases),
// for the chart's optional ScaledObject. One file per kind, named as kubeconform's
// `{{ .ResourceKind }}{{ .KindSuffix }}.json` template asks (deployment-apps-v1.json,
// service-v1.json, scaledobject-keda-v1alpha1.json), each holding the definitions it
// reaches, so $refs resolve inside the file. Strict, like kubeconform's -strict schemas:
// an object with properties takes no others unless it preserves unknown fields.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** @typedef {Record<string, any>} Schema */

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };

/**
 * The file kubeconform looks a kind up in: kind, the group's first label, the version.
 * @param {string} kind @param {string} group @param {string} version
 */
export function schemaFileName(kind, group, version) {
  return `${kind.toLowerCase()}${group ? `-${group.split('.')[0].toLowerCase()}` : ''}-${version.toLowerCase()}.json`;
}

/**
 * One schema node made strict: walked by its structure (so a property *named* `format`
 * is not taken for the keyword), int-or-string made a oneOf, $refs kept local.
 * @param {Schema} node @returns {Schema}
 */
export function strictSchema(node) {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true)
    return { ...(node.description ? { description: node.description } : {}), ...INT_OR_STRING };
  /** @type {Schema} */
  const out = { ...node };
  if (node.properties) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, strictSchema(v)]));
    if (!('additionalProperties' in node) && node['x-kubernetes-preserve-unknown-fields'] !== true)
      out.additionalProperties = false;
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    out.additionalProperties = strictSchema(node.additionalProperties);
  if (node.items) out.items = Array.isArray(node.items) ? node.items.map(strictSchema) : strictSchema(node.items);
  for (const key of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(node[key])) out[key] = node[key].map(strictSchema);
  // OpenAPI v3's nullable (CRDs): JSON Schema says it with a type list.
  if (node.nullable === true && typeof node.type === 'string') out.type = [node.type, 'null'];
  return out;
}

/** @param {Schema} node @param {Set<string>} found */
function refsIn(node, found) {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) refsIn(n, found);
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') found.add(v.replace('#/definitions/', ''));
    else refsIn(v, found);
  }
}

/**
 * Per-kind schemas from a Swagger 2.0 document's definitions (every definition with an
 * x-kubernetes-group-version-kind), each with the definitions it reaches.
 * @param {{ definitions: Record<string, Schema> }} swagger @returns {Map<string, Schema>} file name → schema
 */
export function schemasFromSwagger(swagger) {
  /** @type {Record<string, Schema>} */
  const defs = {};
  for (const [name, def] of Object.entries(swagger.definitions))
    defs[name] =
      name === QUANTITY
        ? { description: def.description, oneOf: [{ type: 'string' }, { type: 'number' }] }
        : strictSchema(def);
  const out = new Map();
  for (const [name, def] of Object.entries(defs)) {
    const gvks = /** @type {Array<{ group: string, version: string, kind: string }> | undefined} */ (
      swagger.definitions[name]?.['x-kubernetes-group-version-kind']
    );
    if (!gvks) continue;
    /** @type {Set<string>} */
    const reached = new Set();
    /** @type {string[]} */
    const todo = [name];
    while (todo.length) {
      /** @type {Set<string>} */
      const refs = new Set();
      refsIn(defs[/** @type {string} */ (todo.pop())], refs);
      for (const r of refs)
        if (!reached.has(r)) {
          reached.add(r);
          todo.push(r);
        }
    }
    const definitions = Object.fromEntries([...reached].sort().map((r) => [r, defs[r]]));
    for (const { group, version, kind } of gvks) {
      const apiVersion = group ? `${group}/${version}` : version;
      out.set(schemaFileName(kind, group, version), {
        ...def,
        properties: {
          ...def.properties,
          apiVersion: { type: 'string', enum: [apiVersion] },
          kind: { type: 'string', enum: [kind] },
        },
        required: [...new Set([...(def.required ?? []), 'apiVersion', 'kind'])],
        definitions,
      });
    }
  }
  return out;
}

/**
 * Per-kind schemas from the CustomResourceDefinitions in YAML text.
 * @param {string} text @returns {Map<string, Schema>}
 */
export function schemasFromCrds(text) {
  const out = new Map();
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions ?? []) {
      const schema = v.schema?.openAPIV3Schema;
      if (!schema) continue;
      out.set(schemaFileName(crd.spec.names.kind, crd.spec.group, v.name), strictSchema(schema));
    }
  }
  return out;
}

/**
 * Writes the schemas of a Kubernetes module directory and a KEDA module directory to `dir`.
 * @param {string} kubernetesDir @param {string} kedaDir @param {string} dir @returns {number} files written
 */
export function writeKubeSchemas(kubernetesDir, kedaDir, dir) {
  const schemas = schemasFromSwagger(
    JSON.parse(readFileSync(join(kubernetesDir, 'api', 'openapi-spec', 'swagger.json'), 'utf8')),
  );
  const crdDir = join(kedaDir, 'config', 'crd', 'bases');
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml')))
    for (const [name, schema] of schemasFromCrds(readFileSync(join(crdDir, file), 'utf8'))) schemas.set(name, schema);
  for (const [name, schema] of schemas) writeFileSync(join(dir, name), JSON.stringify(schema));
  return schemas.size;
}
