import { expect, it } from 'vitest';
import { startFakeKubeApi } from '../testing/fake-kube-api.ts';
import { buildServeManifests, validateServeManifests, type KubeServeTarget } from './kubernetes-serve-manifest.ts';
import { createKubernetesServeDriver } from './kubernetes-serve.ts';

const target: KubeServeTarget = {
  pipelineId: '0b4c2a4e-9d55-4a3e-8f0e-3f1c2d4e5f60',
  step: 'serve-start-0',
  model: 'start-0',
  trainingRunId: '7e0d2c1b-1111-4222-8333-944455556666',
  datasetId: 'ds-0123456789abcdef',
  backend: { type: 'kubernetes', namespace: 'serving', gpusPerReplica: 4, replicas: 2, maxModelLen: 32768 },
};
const opts = { image: 'vllm/vllm-openai:v0.10.1', checkpointClaim: 'rft-checkpoints' };

it('builds a vLLM Deployment (GPU limits = tensor parallel, /health readiness) and a Service selecting its pods', () => {
  const m = buildServeManifests(target, opts);
  expect(validateServeManifests(m, target)).toEqual([]);
  const c = m.deployment.spec.template.spec.containers[0]!;
  expect(c.args).toEqual([
    '/checkpoints/7e0d2c1b-1111-4222-8333-944455556666/checkpoints',
    '--served-model-name',
    'start-0',
    '--host',
    '0.0.0.0',
    '--port',
    '8000',
    '--tensor-parallel-size',
    '4',
    '--max-model-len',
    '32768',
    '--generation-config',
    'vllm',
  ]);
  expect(c.resources.limits).toEqual({ 'nvidia.com/gpu': '4' });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 8000 });
  expect(m.deployment.spec.replicas).toBe(2);
  expect(m.service.spec.selector).toEqual(m.deployment.spec.selector.matchLabels);
  // A hand-broken manifest is refused with the path.
  const broken = buildServeManifests(target, opts);
  broken.deployment.spec.template.spec.containers[0]!.resources.limits['nvidia.com/gpu'] = '1';
  broken.service.spec.selector = { 'app.kubernetes.io/name': 'other', 'app.kubernetes.io/instance': 'x' };
  expect(validateServeManifests(broken, target)).toEqual([
    expect.stringContaining('Service spec.selector.app.kubernetes.io/name'),
    expect.stringContaining('Service spec.selector.app.kubernetes.io/instance'),
    'containers[0].resources.limits.nvidia.com/gpu: 1 GPUs for tensor parallel 4',
  ]);
});

it('applies Deployment and Service, adopts them on a retried start (409), is up once every replica is ready', async () => {
  let created = 0;
  let ready = 0;
  const api = await startFakeKubeApi((req) => {
    if (req.method === 'POST') {
      created += 1;
      return created > 2
        ? { status: 409, body: { kind: 'Status', code: 409, message: 'already exists' } }
        : { status: 201, body: req.body };
    }
    if (req.method === 'GET' && req.path.includes('/deployments/'))
      return {
        status: 200,
        body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, status: { readyReplicas: ready } },
      };
    return undefined;
  });
  try {
    const driver = createKubernetesServeDriver({ ...opts, kubeConfig: api.kubeConfig });
    const { externalId } = await driver.start(target);
    expect(externalId).toBe('serving/rft-serve-0b4c2a4e-serve-start-0');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /apis/apps/v1/namespaces/serving/deployments',
      'POST /api/v1/namespaces/serving/services',
    ]);
    expect(await driver.start(target)).toEqual({ externalId });
    expect(await driver.state(target, externalId)).toMatchObject({
      phase: 'starting',
      detail: expect.stringContaining('0/2 replicas ready'),
    });
    ready = 2;
    expect(await driver.state(target, externalId)).toMatchObject({
      phase: 'up',
      endpoints: ['http://rft-serve-0b4c2a4e-serve-start-0.serving.svc:8000'],
    });
  } finally {
    await api.close();
  }
});
