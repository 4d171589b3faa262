import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CustomResourceDefinitions that manifest tests validate against when the file is present. The
 * repository does not carry them: a clone without one skips that validation loudly (a console
 * banner and a skipped test whose name says what was not validated and the command that fetches
 * the schema into .local/crd-schemas/, ignored by git). It never fails for want of a schema.
 */
export const CRD_SCHEMA_SOURCES = {
  'keda.sh_scaledobjects.yaml': 'https://raw.githubusercontent.com/kedacore/keda/v2.17.0/config/crd/bases/keda.sh_scaledobjects.yaml',
  'kubeflow.org_pytorchjobs.yaml':
    'https://raw.githubusercontent.com/kubeflow/training-operator/v1.8.1/manifests/base/crds/kubeflow.org_pytorchjobs.yaml',
} as const;
export type CrdSchemaFile = keyof typeof CRD_SCHEMA_SOURCES;

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CRD_SCHEMA_DIR = join(REPO_ROOT, '.local', 'crd-schemas');

/**
 * Directories searched for schema files: RFT_CRD_SCHEMA_DIRS (colon-separated; set but empty means
 * none, which exercises the missing-schema path) or else .local/crd-schemas/ and a `shared/schemas/`
 * directory beside or above the checkout.
 */
export function crdSchemaDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.RFT_CRD_SCHEMA_DIRS;
  if (override !== undefined) return override.split(':').filter(Boolean);
  return [CRD_SCHEMA_DIR, join(REPO_ROOT, '..', 'shared', 'schemas'), join(REPO_ROOT, '..', '..', 'shared', 'schemas')];
}

/** The schema file's path, or null when no searched directory holds it. */
export function findCrdSchema(file: CrdSchemaFile): string | null {
  return (
    crdSchemaDirs()
      .map((dir) => join(dir, file))
      .find((path) => existsSync(path)) ?? null
  );
}

/** The command that fetches a schema where `findCrdSchema` looks first. */
export const fetchCrdSchemaCommand = (file: CrdSchemaFile) =>
  `mkdir -p .local/crd-schemas && curl -fsSL ${CRD_SCHEMA_SOURCES[file]} -o .local/crd-schemas/${file}`;

/**
 * The schema's path and the name of the test that uses it. Missing, the path is null, a banner
 * names what is not validated and how to get the schema, and the test name says the same, so
 * `test.skipIf(!path)(testName, ...)` is a skip nobody can mistake for a pass; `nameFor` names
 * further tests on the same schema the same way.
 */
export function optionalCrdSchema(
  file: CrdSchemaFile,
  whatIsValidated: string,
): { path: string | null; testName: string; nameFor: (what: string) => string } {
  const path = findCrdSchema(file);
  const fetch = fetchCrdSchemaCommand(file);
  const nameFor = (what: string) => (path ? what : `NOT VALIDATED (${file} missing, fetch with: ${fetch}): ${what}`);
  if (!path) console.warn(`\n!!! NOT VALIDATED: ${whatIsValidated}: ${file} is missing. Fetch it with:\n!!!   ${fetch}\n`);
  return { path, testName: nameFor(whatIsValidated), nameFor };
}
