import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { LaunchPlan } from '../launch-plan.ts';
import { PYTORCHJOB_VERSION } from './pytorchjob-manifest.ts';

export const PYTORCHJOB_CRD_FILE = 'kubeflow.org_pytorchjobs.yaml';

/**
 * `shared/schemas/kubeflow.org_pytorchjobs.yaml` beside `repoRoot` or beside one of its two parent
 * directories (CI clones have `../shared`; a worktree sits one level deeper). Null when absent.
 */
export function findPyTorchJobCrd(repoRoot: string): string | null {
  let dir = resolve(repoRoot);
  for (let up = 0; up < 3; up++) {
    dir = resolve(dir, '..');
    const candidate = join(dir, 'shared', 'schemas', PYTORCHJOB_CRD_FILE);
    if (existsSync(candidate)) return candidate;
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

export interface PyTorchJobValidation {
  /** `valid`/`invalid` against the CRD schema, `skipped` when no CRD file was given. */
  schema: 'valid' | 'invalid' | 'skipped';
  /** Schema errors (`/path message`) and disagreements with the plan; empty when it holds. */
  problems: string[];
}

/** The parts of a container the geometry check reads. */
interface ContainerShape {
  name?: string;
  resources?: { limits?: Record<string, string> };
}

const validators = new Map<string, ValidateFunction>();

/**
 * Checks a rendered PyTorchJob without a cluster: the CRD's schema with strict fields (when the
 * CRD file is available), and the plan's geometry (Master 1 + Worker nodes-1, nprocPerNode = GPUs
 * per node, the container named `pytorch` with that many GPUs).
 */
export function validatePyTorchJob(job: Record<string, unknown>, plan: LaunchPlan, crdFile: string | null): PyTorchJobValidation {
  const problems: string[] = [];
  let schema: PyTorchJobValidation['schema'] = 'skipped';
  if (crdFile) {
    let validate = validators.get(crdFile);
    if (!validate) {
      validate = new Ajv({ strict: false, allErrors: true }).compile(crdJsonSchema(crdFile, PYTORCHJOB_VERSION));
      validators.set(crdFile, validate);
    }
    schema = validate(job) ? 'valid' : 'invalid';
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  }
  const { nodes, gpusPerNode } = plan.profile.cluster;
  const spec = (job['spec'] ?? {}) as {
    nprocPerNode?: string;
    pytorchReplicaSpecs?: Record<string, { replicas?: number; template?: { spec?: { containers?: ContainerShape[] } } }>;
  };
  const replicas = spec.pytorchReplicaSpecs ?? {};
  if (spec.nprocPerNode !== String(gpusPerNode))
    problems.push(`/spec/nprocPerNode is ${spec.nprocPerNode}, the plan has ${gpusPerNode} GPUs per node`);
  if (replicas['Master']?.replicas !== 1) problems.push('/spec/pytorchReplicaSpecs/Master must have exactly 1 replica');
  const workers = replicas['Worker']?.replicas ?? 0;
  if (1 + workers !== nodes) problems.push(`Master 1 + Worker ${workers} replicas != cluster.nodes ${nodes}`);
  for (const [role, r] of Object.entries(replicas)) {
    const container = r.template?.spec?.containers?.find((c) => c.name === 'pytorch');
    if (!container) problems.push(`/spec/pytorchReplicaSpecs/${role}: no container named "pytorch" (the operator needs it)`);
    else if (container.resources?.limits?.['nvidia.com/gpu'] !== String(gpusPerNode)) {
      problems.push(`/spec/pytorchReplicaSpecs/${role}: nvidia.com/gpu limit is not ${gpusPerNode}`);
    }
  }
  return { schema, problems };
}
