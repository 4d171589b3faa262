import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLauncher } from '../launcher.ts';
import { datasetFixture } from '../testing/dataset-fixture.ts';
import { startFakeKubeApi, type RecordedRequest } from '../testing/fake-kube-api.ts';
import { createKubernetesBackend, statusFromConditions } from './kubernetes.ts';
import { SubmissionRejectedError } from './launch-backend.ts';

let fixture: Awaited<ReturnType<typeof datasetFixture>>;
beforeAll(async () => {
  fixture = await datasetFixture();
});
afterAll(async () => {
  await fixture?.s3.close();
});

const PYTORCHJOBS = '/apis/kubeflow.org/v1/namespaces/training/pytorchjobs';
const CONFIGMAPS = '/api/v1/namespaces/training/configmaps';

async function setup(rejectJob: boolean) {
  let stored: Record<string, unknown> | null = null;
  const api = await startFakeKubeApi((req: RecordedRequest) => {
    if (req.method === 'POST' && req.path.startsWith(CONFIGMAPS)) return { status: 201, body: req.body };
    if (req.method === 'DELETE' && req.path.startsWith(CONFIGMAPS)) return { status: 200, body: { kind: 'Status', status: 'Success' } };
    if (req.method === 'POST' && req.path.startsWith(PYTORCHJOBS)) {
      if (rejectJob) {
        return {
          status: 403,
          body: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Forbidden',
            code: 403,
            message:
              'pytorchjobs.kubeflow.org "rft-run-k8s" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=32, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=16',
          },
        };
      }
      stored = {
        ...(req.body as object),
        status: {
          conditions: [
            { type: 'Created', status: 'True' },
            { type: 'Running', status: 'True', reason: 'PyTorchJobRunning' },
          ],
        },
      };
      return { status: 201, body: req.body };
    }
    if (req.method === 'GET' && req.path.startsWith(`${PYTORCHJOBS}/`) && stored) return { status: 200, body: stored };
    return undefined;
  });
  const backend = createKubernetesBackend({
    kubeConfig: api.kubeConfig,
    namespace: 'training',
    image: 'registry.example/rft-train:1',
    toolsImage: 'registry.example/rft-orchestrator:1',
    s3SecretName: 'rft-s3',
    s3Env: { S3_BUCKET: 'rft' },
  });
  const launcher = createLauncher({ store: fixture.s3.store, backends: { kubernetes: backend } });
  const launch = async () =>
    launcher.submit('kubernetes', await launcher.plan({ runId: 'run-k8s', datasetId: fixture.dataset.datasetId, backend: 'kubernetes' }));
  return { api, launcher, launch };
}

describe('Kubernetes backend', () => {
  it('creates the run files ConfigMap, then the PyTorchJob, with the API paths, auth and bodies a cluster expects', async () => {
    const { api, launcher, launch } = await setup(false);
    try {
      const run = await launch();
      expect(run).toEqual({ status: 'pending', externalId: 'training/rft-run-k8s' });
      const [cm, job] = api.requests;
      expect(cm).toMatchObject({ method: 'POST', path: CONFIGMAPS, authorization: 'Bearer test-token' });
      expect(Object.keys((cm!.body as { data: object }).data).sort()).toEqual([
        'ds_config.json',
        'plan.json',
        'preflight.py',
        'training_args.json',
      ]);
      expect(JSON.parse((cm!.body as { data: Record<string, string> }).data['ds_config.json']!)).toMatchObject({
        train_batch_size: 128,
        gradient_accumulation_steps: 4,
      });
      expect(job).toMatchObject({
        method: 'POST',
        path: PYTORCHJOBS,
        authorization: 'Bearer test-token',
        contentType: expect.stringContaining('application/json'),
      });
      expect(job!.body).toMatchObject({
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        metadata: { name: 'rft-run-k8s', namespace: 'training' },
        spec: { nprocPerNode: '8', pytorchReplicaSpecs: { Master: { replicas: 1 }, Worker: { replicas: 3 } } },
      });
      const refreshed = await launcher.status('kubernetes', run.externalId);
      expect(refreshed).toEqual({ status: 'running', detail: 'Running (PyTorchJobRunning)' });
      expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `${PYTORCHJOBS}/rft-run-k8s` });
    } finally {
      await api.close();
    }
  });

  it('surfaces the API server reason for a rejected job and removes the ConfigMap', async () => {
    const { api, launch } = await setup(true);
    try {
      const error = await launch().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SubmissionRejectedError);
      expect((error as Error).message).toBe(
        'kubernetes rejected the submission: creating PyTorchJob training/rft-run-k8s: HTTP 403: pytorchjobs.kubeflow.org "rft-run-k8s" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=32, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=16',
      );
      expect((error as SubmissionRejectedError).reason).toContain('exceeded quota');
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST ${CONFIGMAPS}`,
        `POST ${PYTORCHJOBS}`,
        `DELETE ${CONFIGMAPS}/rft-run-k8s-files`,
      ]);
    } finally {
      await api.close();
    }
  });

  it('maps PyTorchJob conditions to run status', () => {
    expect(statusFromConditions([]).status).toBe('pending');
    expect(statusFromConditions([{ type: 'Created', status: 'True' }]).status).toBe('pending');
    expect(
      statusFromConditions([
        { type: 'Created', status: 'True' },
        { type: 'Running', status: 'False' },
        { type: 'Succeeded', status: 'True' },
      ]).status,
    ).toBe('succeeded');
    expect(
      statusFromConditions([
        { type: 'Running', status: 'True' },
        { type: 'Failed', status: 'True', message: 'pod OOMKilled' },
      ]),
    ).toEqual({ status: 'failed', detail: 'Failed: pod OOMKilled' });
    expect(statusFromConditions([{ type: 'Suspended', status: 'True' }]).status).toBe('cancelled');
  });
});
