import { schemaFileName, schemasFromCrds, schemasFromSwagger, strictSchema } from '../../scripts/lib/kube-schemas.mjs';

/** The offline schemas kubeconform checks the chart against (scripts/lib/kube-schemas.mjs). */
describe('the Kubernetes JSON schemas made from OpenAPI documents', () => {
  it.each([
    // kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}: kind, the group's first label, the version.
    ['Deployment', 'apps', 'v1', 'deployment-apps-v1.json'],
    ['Service', '', 'v1', 'service-v1.json'],
    ['HorizontalPodAutoscaler', 'autoscaling', 'v2', 'horizontalpodautoscaler-autoscaling-v2.json'],
    ['ScaledObject', 'keda.sh', 'v1alpha1', 'scaledobject-keda-v1alpha1.json'],
  ])('names %s of %p %s %s', (kind, group, version, file) => {
    expect(schemaFileName(kind, group, version)).toBe(file);
  });

  it('forbids unknown properties, by structure: a property named `format` is not the keyword', () => {
    expect(
      strictSchema({
        type: 'object',
        properties: {
          format: { type: 'string' },
          port: { format: 'int-or-string', type: 'string', description: 'd' },
          raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
          list: { type: 'array', items: { type: 'object', properties: { b: { type: 'integer' } } } },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { c: { type: 'string' } } } },
          maybe: { type: 'string', nullable: true },
        },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        format: { type: 'string' },
        port: { description: 'd', oneOf: [{ type: 'string' }, { type: 'integer' }] },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
        list: {
          type: 'array',
          items: { type: 'object', properties: { b: { type: 'integer' } }, additionalProperties: false },
        },
        map: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { c: { type: 'string' } }, additionalProperties: false },
        },
        maybe: { type: ['string', 'null'], nullable: true },
      },
    });
  });

  it('gives each kind the definitions it reaches, fixes apiVersion and kind, and lets a quantity be a number', () => {
    const schemas = schemasFromSwagger({
      definitions: {
        'io.k8s.api.x.v1.Thing': {
          type: 'object',
          'x-kubernetes-group-version-kind': [{ group: 'x.example.com', version: 'v1', kind: 'Thing' }],
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            spec: { $ref: '#/definitions/io.k8s.api.x.v1.Spec' },
          },
        },
        'io.k8s.api.x.v1.Spec': {
          type: 'object',
          properties: { size: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' } },
        },
        'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string', description: 'q' },
        'io.k8s.api.x.v1.Unrelated': { type: 'object', properties: { z: { type: 'string' } } },
      },
    });
    expect([...schemas.keys()]).toEqual(['thing-x-v1.json']);
    const thing = schemas.get('thing-x-v1.json')!;
    expect(thing.properties.apiVersion).toEqual({ type: 'string', enum: ['x.example.com/v1'] });
    expect(thing.properties.kind).toEqual({ type: 'string', enum: ['Thing'] });
    expect(thing.required).toEqual(['apiVersion', 'kind']);
    expect(Object.keys(thing.definitions)).toEqual([
      'io.k8s.api.x.v1.Spec',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
    ]);
    expect(thing.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({
      description: 'q',
      oneOf: [{ type: 'string' }, { type: 'number' }],
    });
  });

  it("reads a CustomResourceDefinition's versions", () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: keda.sh
  names: { kind: ScaledObject }
  versions:
    - name: v1alpha1
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { minReplicaCount: { type: integer } } }
`;
    expect(Object.fromEntries(schemasFromCrds(crd))).toEqual({
      'scaledobject-keda-v1alpha1.json': {
        type: 'object',
        additionalProperties: false,
        properties: {
          spec: { type: 'object', additionalProperties: false, properties: { minReplicaCount: { type: 'integer' } } },
        },
      },
    });
  });
});
