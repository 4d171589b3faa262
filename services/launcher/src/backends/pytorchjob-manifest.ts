import type { LaunchPlan } from '../launch-plan.ts';

export interface PyTorchJobOptions {
  namespace: string;
  /** Training image (PyTorch, DeepSpeed, transformers/TRL, the entrypoint). */
  image: string;
  /** Image holding this repository, used by the init container to pull and verify the dataset. */
  toolsImage: string;
  /** Secret with S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (and optionally S3_ENDPOINT etc.). */
  s3SecretName: string;
  /** Non-secret S3 settings for the pull (S3_ENDPOINT, S3_BUCKET, S3_PREFIX, S3_REGION). */
  s3Env: Record<string, string>;
  /** NCCL and other env for the training container (NCCL_IB_HCA, NCCL_SOCKET_IFNAME...). */
  env?: Record<string, string>;
  /** Size of the memory-backed /dev/shm (NCCL and dataloader workers). */
  shmSize?: string;
  /** Host networking for RDMA without Multus. */
  hostNetwork?: boolean;
  /** Extra resources per pod, e.g. { 'rdma/ib': '1' }. */
  extraResources?: Record<string, string>;
  serviceAccountName?: string;
}

export const PYTORCHJOB_GROUP = 'kubeflow.org';
export const PYTORCHJOB_VERSION = 'v1';
export const PYTORCHJOB_PLURAL = 'pytorchjobs';

/** Kubernetes object names: lowercase RFC 1123, at most 63 characters. */
export function jobName(runId: string): string {
  const name = `rft-${runId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+$/, '');
  return name.slice(0, 63).replace(/-+$/, '');
}

export function configMapName(runId: string): string {
  return `${jobName(runId).slice(0, 56)}-files`;
}

/**
 * Kubeflow PyTorchJob (kubeflow.org/v1): Master 1 + Worker nodes-1, nprocPerNode GPUs each. The
 * operator injects PET_NNODES / PET_NODE_RANK / PET_MASTER_ADDR / PET_MASTER_PORT, which torchrun
 * reads as defaults. An init container pulls the dataset (sha256-verified); the container runs the
 * preflight, then torchrun.
 */
export function buildPyTorchJob(plan: LaunchPlan, opts: PyTorchJobOptions): Record<string, unknown> {
  const { nodes, gpusPerNode } = plan.profile.cluster;
  const name = jobName(plan.runId);
  const datasetDir = `/data/${plan.datasetId}`;
  const gpuResources = { 'nvidia.com/gpu': String(gpusPerNode), ...opts.extraResources };
  const env = Object.entries({ NCCL_DEBUG: 'WARN', TORCH_NCCL_ASYNC_ERROR_HANDLING: '1', ...opts.env }).map(([n, value]) => ({
    name: n,
    value,
  }));
  const trainCommand = [
    'set -euo pipefail',
    `python3 /etc/rft/preflight.py --plan /etc/rft/plan.json --deepspeed /etc/rft/ds_config.json --dataset-dir ${datasetDir}`,
    // torchrun takes --nnodes, --node_rank, --master_addr and --master_port from the PET_* variables.
    `exec torchrun --nproc_per_node=${gpusPerNode} ${plan.profile.entrypoint.join(' ')} --deepspeed /etc/rft/ds_config.json --training_args /etc/rft/training_args.json --dataset_dir ${datasetDir}`,
  ].join('\n');
  const podTemplate = {
    metadata: { labels: { 'app.kubernetes.io/part-of': 'rft-orchestrator', 'rft.run-id': plan.runId } },
    spec: {
      restartPolicy: 'Never',
      ...(opts.serviceAccountName ? { serviceAccountName: opts.serviceAccountName } : {}),
      ...(opts.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
      initContainers: [
        {
          name: 'pull-dataset',
          image: opts.toolsImage,
          command: ['node', 'shared/dataset/src/pull-cli.ts', plan.datasetId, '-o', datasetDir, '--format', plan.profile.datasetFormat],
          env: Object.entries(opts.s3Env).map(([n, value]) => ({ name: n, value })),
          envFrom: [{ secretRef: { name: opts.s3SecretName } }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      containers: [
        {
          // The operator looks for the container named "pytorch".
          name: 'pytorch',
          image: opts.image,
          command: ['bash', '-c', trainCommand],
          env,
          ports: [{ name: 'pytorchjob-port', containerPort: 23456 }],
          resources: { limits: gpuResources, requests: gpuResources },
          securityContext: { capabilities: { add: ['IPC_LOCK'] } },
          volumeMounts: [
            { name: 'dshm', mountPath: '/dev/shm' },
            { name: 'data', mountPath: '/data' },
            { name: 'run-files', mountPath: '/etc/rft', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: opts.shmSize ?? '64Gi' } },
        { name: 'data', emptyDir: {} },
        { name: 'run-files', configMap: { name: configMapName(plan.runId) } },
      ],
    },
  };
  const replicaSpecs: Record<string, unknown> = {
    Master: { replicas: 1, restartPolicy: 'Never', template: podTemplate },
  };
  if (nodes > 1) replicaSpecs['Worker'] = { replicas: nodes - 1, restartPolicy: 'Never', template: podTemplate };
  return {
    apiVersion: `${PYTORCHJOB_GROUP}/${PYTORCHJOB_VERSION}`,
    kind: 'PyTorchJob',
    metadata: {
      name,
      namespace: opts.namespace,
      labels: { 'app.kubernetes.io/part-of': 'rft-orchestrator', 'rft.run-id': plan.runId, 'rft.dataset-id': plan.datasetId },
    },
    spec: {
      nprocPerNode: String(gpusPerNode),
      runPolicy: { backoffLimit: 0, cleanPodPolicy: 'None' },
      pytorchReplicaSpecs: replicaSpecs,
    },
  };
}
