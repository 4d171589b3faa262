import { fileURLToPath } from 'node:url';
import { findPyTorchJobCrd } from '../backends/pytorchjob-validation.ts';

export { crdJsonSchema } from '../backends/pytorchjob-validation.ts';

/** The directory holding the PyTorchJob CRD (`../shared/schemas` of the repository), or null. */
export function sharedSchemasDir(): string | null {
  const crd = findPyTorchJobCrd(fileURLToPath(new URL('../../../..', import.meta.url)));
  return crd ? crd.slice(0, crd.lastIndexOf('/')) : null;
}
