import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * `shared/schemas` beside the repository root (CI: `../shared/schemas`), or beside one of its parent
 * directories (a worktree nested one level deeper). Never committed; null when absent.
 */
export function sharedSchemasDir(): string | null {
  let dir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
  for (let up = 0; up < 2; up++) {
    dir = resolve(dir, '..');
    const candidate = join(dir, 'shared', 'schemas');
    if (existsSync(join(candidate, 'kubeflow.org_pytorchjobs.yaml'))) return candidate;
  }
  return null;
}

type Schema = Record<string, unknown>;

/**
 * A CRD's openAPIV3Schema as JSON Schema for ajv, in the API server's strict field validation:
 * unknown fields are errors (except under x-kubernetes-preserve-unknown-fields), int-or-string
 * accepts both.
 */
export function crdJsonSchema(file: string, version: string): Schema {
  const crd = parse(readFileSync(file, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (!v) throw new Error(`${file} has no version ${version}`);
  return convert(v.schema.openAPIV3Schema);
}

function convert(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, convert(v)]));
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = convert(value as Schema);
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Schema[]).map(convert);
    } else if (!key.startsWith('x-kubernetes-') && key !== 'format') {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node['properties'] && !node['x-kubernetes-preserve-unknown-fields'] && out['additionalProperties'] === undefined) {
    out['additionalProperties'] = false;
  }
  return out;
}
