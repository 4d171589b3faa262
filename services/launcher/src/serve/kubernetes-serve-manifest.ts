import type { ServeTarget } from './serve-driver.ts';

type KubeServe = Extract<ServeTarget['backend'], { type: 'kubernetes' }>;
export type KubeServeTarget = ServeTarget & { backend: KubeServe };

export interface KubernetesServeOptions {
  /** `vllm/vllm-openai` image (its entrypoint is `vllm serve`). */
  image: string;
  /** PersistentVolumeClaim holding training checkpoints: a run's is `<claim>/<runId>/checkpoints`. */
  checkpointClaim: string;
}

export const SERVE_PORT = 8000;
const MOUNT = '/checkpoints';

/** DNS-1123 name of a serve step's Deployment and Service (at most 63 characters). */
export function serveResourceName(target: Pick<ServeTarget, 'pipelineId' | 'step'>): string {
  const step = target.step
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `rft-serve-${target.pipelineId.slice(0, 8)}-${step}`;
}

export function serveUrl(target: KubeServeTarget): string {
  return `http://${serveResourceName(target)}.${target.backend.namespace}.svc:${SERVE_PORT}`;
}

/** `vllm serve` arguments (after the image's `vllm serve` entrypoint). */
export function vllmArgs(target: KubeServeTarget): string[] {
  return [
    `${MOUNT}/${target.trainingRunId}/checkpoints`,
    '--served-model-name',
    target.model,
    '--host',
    '0.0.0.0',
    '--port',
    String(SERVE_PORT),
    '--tensor-parallel-size',
    String(target.backend.gpusPerReplica),
    ...(target.backend.maxModelLen ? ['--max-model-len', String(target.backend.maxModelLen)] : []),
    '--generation-config',
    'vllm',
  ];
}

/** A Deployment of `replicas` vLLM pods, ready when `/health` answers, and the Service in front of them. */
export function buildServeManifests(target: KubeServeTarget, opts: KubernetesServeOptions) {
  const name = serveResourceName(target);
  const labels = { 'app.kubernetes.io/name': 'rft-serve', 'app.kubernetes.io/instance': name };
  const meta = {
    name,
    namespace: target.backend.namespace,
    labels: { ...labels, 'rft.dev/pipeline': target.pipelineId },
    annotations: { 'rft.dev/step': target.step, 'rft.dev/model': target.model },
  };
  const gpus = String(target.backend.gpusPerReplica);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: target.backend.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'vllm',
              image: opts.image,
              args: vllmArgs(target),
              ports: [{ name: 'http', containerPort: SERVE_PORT }],
              resources: { limits: { 'nvidia.com/gpu': gpus }, requests: { 'nvidia.com/gpu': gpus } },
              // Weights load for minutes: ready only once the server answers, never killed while loading.
              readinessProbe: { httpGet: { path: '/health', port: SERVE_PORT }, periodSeconds: 10, failureThreshold: 3 },
              startupProbe: { httpGet: { path: '/health', port: SERVE_PORT }, periodSeconds: 10, failureThreshold: 180 },
              volumeMounts: [
                { name: 'checkpoints', mountPath: MOUNT, readOnly: true },
                { name: 'shm', mountPath: '/dev/shm' },
              ],
            },
          ],
          volumes: [
            { name: 'checkpoints', persistentVolumeClaim: { claimName: opts.checkpointClaim, readOnly: true } },
            // Tensor parallelism exchanges through shared memory; the default 64 MiB is too small.
            { name: 'shm', emptyDir: { medium: 'Memory' } },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: { selector: labels, ports: [{ name: 'http', port: SERVE_PORT, targetPort: SERVE_PORT }] },
  };
  return { deployment, service };
}

const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks the pair before it is applied: names, the Service selecting the Deployment's pods, GPU
 * limits and tensor parallelism agreeing, the readiness probe on the served port. Problems by path.
 */
export function validateServeManifests(m: ReturnType<typeof buildServeManifests>, target: KubeServeTarget): string[] {
  const problems: string[] = [];
  const { deployment: d, service: s } = m;
  if (!DNS_1123.test(d.metadata.name) || d.metadata.name.length > 63)
    problems.push(`metadata.name: ${d.metadata.name} is not a DNS-1123 label`);
  const selector = d.spec.selector.matchLabels;
  const podLabels = d.spec.template.metadata.labels as Record<string, string>;
  for (const [k, v] of Object.entries(selector)) {
    if (podLabels[k] !== v) problems.push(`Deployment spec.selector.matchLabels.${k}: pods are labelled ${podLabels[k] ?? 'nothing'}`);
    if ((s.spec.selector as Record<string, string>)[k] !== v)
      problems.push(`Service spec.selector.${k}: does not select the Deployment's pods`);
  }
  const c = d.spec.template.spec.containers[0]!;
  const tp = c.args[c.args.indexOf('--tensor-parallel-size') + 1];
  if (c.resources.limits['nvidia.com/gpu'] !== tp)
    problems.push(`containers[0].resources.limits.nvidia.com/gpu: ${c.resources.limits['nvidia.com/gpu']} GPUs for tensor parallel ${tp}`);
  if (c.args[c.args.indexOf('--served-model-name') + 1] !== target.model)
    problems.push('containers[0].args: --served-model-name is not the model');
  const port = Number(c.args[c.args.indexOf('--port') + 1]);
  if (c.readinessProbe.httpGet.port !== port || c.readinessProbe.httpGet.path !== '/health')
    problems.push('containers[0].readinessProbe: not /health on the served port');
  if (s.spec.ports[0]?.targetPort !== port) problems.push('Service spec.ports[0].targetPort: not the served port');
  return problems;
}
