import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Schema = SchemaObject & { properties?: Record<string, SchemaObject | ReferenceObject> };

/** The DTO classes class-validator knows, by name (the name Nest's swagger gives their schemas). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- class-validator keys its metadata by constructor
function validatedClasses(): Map<string, Function> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas?: unknown };
  if (!(storage.validationMetadatas instanceof Map))
    throw new Error('class-validator keeps its metadata elsewhere: update openapi/document.ts');
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- as above
  const out = new Map<string, Function>();
  for (const target of (storage.validationMetadatas as Map<unknown, unknown>).keys())
    if (typeof target === 'function' && target.name) out.set(target.name, target);
  return out;
}

/** What one class-validator constraint says in JSON Schema (only where the schema is silent). */
function applyConstraint(schema: SchemaObject, m: ValidationMetadata): void {
  const target: SchemaObject =
    m.each && schema.type === 'array' && schema.items && !('$ref' in schema.items) ? schema.items : schema;
  const set = <K extends keyof SchemaObject>(key: K, value: SchemaObject[K]) => {
    if (target[key] === undefined) target[key] = value;
  };
  const c = m.constraints ?? [];
  switch (m.name ?? m.type) {
    case 'matches':
      if (c[0] instanceof RegExp && !c[0].flags) set('pattern', c[0].source);
      else if (typeof c[0] === 'string' && !c[1]) set('pattern', c[0]);
      break;
    case 'isIn':
      if (Array.isArray(c[0])) set('enum', c[0] as unknown[]);
      break;
    case 'min':
      set('minimum', c[0] as number);
      break;
    case 'max':
      set('maximum', c[0] as number);
      break;
    case 'maxLength':
      set('maxLength', c[0] as number);
      break;
    case 'minLength':
      set('minLength', c[0] as number);
      break;
    case 'isNotEmpty':
      if (target.type === 'string') set('minLength', 1);
      break;
    case 'isInt':
      if (target.type === 'number' || target.type === undefined) target.type = 'integer';
      break;
    case 'arrayMaxSize':
      set('maxItems', c[0] as number);
      break;
    case 'arrayMinSize':
      set('minItems', c[0] as number);
      break;
    case 'isIsoCalendarDate':
      set('format', 'date');
      break;
    case 'isISO8601':
      set('format', 'date-time');
      break;
    case 'isPercentage':
      set('minimum', 0.01);
      set('maximum', 100);
      break;
    default:
      break;
  }
}

/**
 * Completes the document from the validation the api really does: each DTO schema gets
 * its fields' patterns, enums, bounds and lengths from their class-validator decorators
 * (one source: what the pipe refuses is what the document says), and every request
 * body refuses unknown fields, as the api does.
 */
export function completeFromValidation(doc: OpenAPIObject): OpenAPIObject {
  const classes = validatedClasses();
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [name, schema] of Object.entries(schemas)) {
    const cls = classes.get(name);
    if (!cls || !schema.properties) continue;
    for (const m of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
      const prop = schema.properties[m.propertyName];
      if (prop && !('$ref' in prop)) applyConstraint(prop, m);
    }
  }
  // Query parameters: the constraints of the query DTO whose fields are exactly the operation's parameters.
  const queryClasses = [...classes.entries()]
    .filter(([name]) => name.endsWith('Query'))
    .map(([, cls]) => ({ cls, metas: getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false) }));
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as Array<{
      parameters?: Array<{ in: string; name: string; schema?: SchemaObject }>;
    }>) {
      const params = (op?.parameters ?? []).filter((x) => x.in === 'query');
      if (!params.length) continue;
      const names = new Set(params.map((x) => x.name));
      const dto = queryClasses.find((q) => {
        const props = new Set(q.metas.map((m) => m.propertyName));
        return props.size === names.size && [...names].every((n) => props.has(n));
      });
      if (!dto) continue;
      for (const param of params)
        for (const m of dto.metas.filter((x) => x.propertyName === param.name))
          applyConstraint((param.schema ??= {}), m);
    }
  }
  const closed = new Set<string>();
  const close = (s: SchemaObject | ReferenceObject | undefined): void => {
    if (!s) return;
    if ('$ref' in s) {
      const name = s.$ref.split('/').pop()!;
      if (closed.has(name) || !schemas[name]) return;
      closed.add(name);
      const target = schemas[name];
      if (target.type === 'object' || target.properties) target.additionalProperties = false;
      for (const p of Object.values(target.properties ?? {})) close(p);
      return;
    }
    if (s.type === 'array' && s.items) close(s.items);
    // A nullable nested body (`{ nullable: true, allOf: [{ $ref }] }`, Nest's form) is closed too.
    for (const part of s.allOf ?? []) close(part);
  };
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as Array<{
      requestBody?: { content?: Record<string, { schema?: SchemaObject | ReferenceObject }> };
    }>) {
      close(op?.requestBody?.content?.['application/json']?.schema);
    }
  }
  return doc;
}

/** The api's OpenAPI document (served at /docs and /docs-json). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Retain API')
      .setDescription(
        'Renewals, save efforts, post-save monitoring and early warning, run as Temporal workflows. Every error is application/problem+json with a stable `code`. ' +
          'Every answer carries the IETF RateLimit fields; a spent limit is a 429 with Retry-After. Writes that start or change workflows take an Idempotency-Key.',
      )
      .setVersion('0.2.0')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque API key (rtn_<prefix>_<secret>)',
        description: 'API key from `npm run keys -- create`',
      })
      .build(),
  );
  return completeFromValidation(doc);
}
