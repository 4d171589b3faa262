import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { planLaunch } from '../launch-plan.ts';
import { parseProfile } from '../training-profile.ts';
import { optionalCrdSchema } from '@rft/testing';
import { crdJsonSchema } from '../testing/crd-json-schema.ts';
import { manifestFixture as fakeManifest } from '@rft/dataset/testing';
import { buildPyTorchJob, type PyTorchJobOptions } from './pytorchjob-manifest.ts';
import { validatePyTorchJob } from './pytorchjob-validation.ts';

const opts: PyTorchJobOptions = {
  namespace: 'training',
  image: 'registry.example/rft-train:1',
  toolsImage: 'registry.example/rft-orchestrator:1',
  s3SecretName: 'rft-s3',
  s3Env: { S3_ENDPOINT: 'http://minio.storage:9000', S3_BUCKET: 'rft' },
  env: { NCCL_IB_HCA: 'mlx5', NCCL_SOCKET_IFNAME: 'eth0' },
};
// The CRD is not in the repository; without it the schema tests are skipped under a name saying so.
const crd = optionalCrdSchema('kubeflow.org_pytorchjobs.yaml', 'PyTorchJob manifests validate against the CRD schema (strict fields)');
const plan = planLaunch({ runId: 'run-abc123', profile: parseProfile({}), manifest: fakeManifest() });

describe('buildPyTorchJob', () => {
  it('has Master 1 + Worker 3, 8 processes per node, memory /dev/shm, NCCL env and the container named pytorch', () => {
    const job = buildPyTorchJob(plan, opts) as any;
    expect(job.apiVersion).toBe('kubeflow.org/v1');
    expect(job.metadata.name).toBe('rft-run-abc123');
    expect(job.spec.nprocPerNode).toBe('8');
    expect(job.spec.runPolicy).toEqual({ backoffLimit: 0, cleanPodPolicy: 'None' });
    expect(job.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(job.spec.pytorchReplicaSpecs.Worker.replicas).toBe(3);
    const pod = job.spec.pytorchReplicaSpecs.Worker.template.spec;
    const container = pod.containers[0];
    expect(container.name).toBe('pytorch');
    expect(container.resources.limits['nvidia.com/gpu']).toBe('8');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'NCCL_IB_HCA', value: 'mlx5' },
        { name: 'NCCL_SOCKET_IFNAME', value: 'eth0' },
      ]),
    );
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '64Gi' } });
    expect(container.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(pod.initContainers[0].command).toEqual([
      'node',
      'shared/dataset/src/pull-cli.ts',
      plan.datasetId,
      '-o',
      `/data/${plan.datasetId}`,
      '--format',
      'trl',
    ]);
  });

  it.skipIf(!crd.path)(crd.testName, () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(crdJsonSchema(crd.path!, 'v1'));
    const job = buildPyTorchJob(plan, opts);
    expect(validate(job), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The same validator refuses a misspelt field and a wrong type, so the pass above means something.
    const broken = structuredClone(job) as any;
    broken.spec.pytorchReplicaSpecs.Master.replica = 1;
    broken.spec.runPolicy.backoffLimit = 'zero';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath + ' ' + e.message)).toEqual(
      expect.arrayContaining([
        '/spec/pytorchReplicaSpecs/Master must NOT have additional properties',
        '/spec/runPolicy/backoffLimit must be integer',
      ]),
    );
  });
});

describe('validatePyTorchJob', () => {
  const onePlan = planLaunch({
    runId: 'run-one',
    profile: parseProfile({ cluster: { nodes: 1, gpusPerNode: 1 } }),
    manifest: fakeManifest(),
  });

  it('accepts the rendered job for a one-node plan and names what disagrees with the plan', () => {
    const job = buildPyTorchJob(onePlan, opts) as any;
    expect(validatePyTorchJob(job, onePlan, crd.path)).toEqual({ schema: crd.path ? 'valid' : 'skipped', problems: [] });
    // Rendered for 4 x 8 but checked against the one-node plan: geometry problems, whatever the schema says.
    const other = buildPyTorchJob(plan, opts);
    expect(validatePyTorchJob(other, onePlan, null).problems).toEqual([
      '/spec/nprocPerNode is 8, the plan has 1 GPUs per node',
      'Master 1 + Worker 3 replicas != cluster.nodes 1',
      '/spec/pytorchReplicaSpecs/Master: nvidia.com/gpu limit is not 1',
      '/spec/pytorchReplicaSpecs/Worker: nvidia.com/gpu limit is not 1',
    ]);
  });

  it.skipIf(!crd.path)(crd.nameFor('PyTorchJob schema errors are reported by path'), () => {
    const schema = crd.path!;
    const job = structuredClone(buildPyTorchJob(onePlan, opts)) as any;
    job.spec.runPolicy.backoffLimit = 'zero';
    const result = validatePyTorchJob(job, onePlan, schema);
    expect(result.schema).toBe('invalid');
    expect(result.problems).toContain('/spec/runPolicy/backoffLimit must be integer');
  });
});
