// Types of kube-schemas.mjs for the TypeScript tests that import it.
// A JSON Schema node: walked structurally, so its values are left open.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = Record<string, any>;
export function schemaFileName(kind: string, group: string, version: string): string;
export function strictSchema(node: Schema): Schema;
export function schemasFromSwagger(swagger: { definitions: Record<string, Schema> }): Map<string, Schema>;
export function schemasFromCrds(text: string): Map<string, Schema>;
export function writeKubeSchemas(kubernetesDir: string, kedaDir: string, dir: string): number;
