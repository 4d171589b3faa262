import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CustomResourceDefinitions that manifest tests validate against. The repository does not carry
 * them: a test that needs one and does not find it fails, naming what was not validated and the
 * command that fetches the schema into .local/crd-schemas/ (ignored by git).
 */
export const CRD_SCHEMA_SOURCES = {
  'keda.sh_scaledobjects.yaml': 'https://raw.githubusercontent.com/kedacore/keda/v2.17.0/config/crd/bases/keda.sh_scaledobjects.yaml',
  'kubeflow.org_pytorchjobs.yaml':
    'https://raw.githubusercontent.com/kubeflow/training-operator/v1.8.1/manifests/base/crds/kubeflow.org_pytorchjobs.yaml',
} as const;
export type CrdSchemaFile = keyof typeof CRD_SCHEMA_SOURCES;

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CRD_SCHEMA_DIR = join(REPO_ROOT, '.local', 'crd-schemas');

/** The schema file: in .local/crd-schemas/, or in a `shared/schemas/` directory beside or above the checkout. */
export function findCrdSchema(file: CrdSchemaFile): string | null {
  const candidates = [
    join(CRD_SCHEMA_DIR, file),
    join(REPO_ROOT, '..', 'shared', 'schemas', file),
    join(REPO_ROOT, '..', '..', 'shared', 'schemas', file),
  ];
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** The command that fetches a schema where `findCrdSchema` looks first. */
export const fetchCrdSchemaCommand = (file: CrdSchemaFile) =>
  `mkdir -p .local/crd-schemas && curl -fsSL ${CRD_SCHEMA_SOURCES[file]} -o .local/crd-schemas/${file}`;

/** The schema's path, or an error saying loudly what is not validated and how to get the schema. */
export function requireCrdSchema(file: CrdSchemaFile, whatIsValidated: string): string {
  const path = findCrdSchema(file);
  if (path) return path;
  throw new Error(`NOT VALIDATED: ${whatIsValidated}: ${file} is missing. Fetch it with:\n  ${fetchCrdSchemaCommand(file)}`);
}
