import { KubeConfig } from '@kubernetes/client-node';
import { parseEnv } from '@rft/config';
import { createBundleBackend, createKubernetesBackend, createSlurmBackend, type BackendKind, type LaunchBackend } from '@rft/launcher';
import type { ObjectStore } from '@rft/storage';
import { z } from 'zod';

/** The launcher's backend settings (same variables as the launcher's own entry point). */
const LaunchEnv = z.object({
  SLURM_JOB_ROOT: z.string().optional(),
  SLURM_DATASET_ROOT: z.string().optional(),
  SLURM_PARTITION: z.string().optional(),
  SLURM_ACCOUNT: z.string().optional(),
  SLURM_TIME_LIMIT: z.string().optional(),
  SLURM_TOKENIZER_PATH: z.string().optional(),
  SLURM_REQUEST_GPUS: z.enum(['true', 'false']).default('true'),
  K8S_NAMESPACE: z.string().optional(),
  K8S_TRAINING_IMAGE: z.string().optional(),
  K8S_TOOLS_IMAGE: z.string().optional(),
  K8S_S3_SECRET: z.string().default('rft-s3'),
});

/**
 * Backends the API launches training runs on: `bundle` always; `slurm` when SLURM_JOB_ROOT and
 * SLURM_DATASET_ROOT name a shared filesystem; `kubernetes` when K8S_NAMESPACE, K8S_TRAINING_IMAGE
 * and K8S_TOOLS_IMAGE are set (kubeconfig from KUBECONFIG or the in-cluster service account).
 * Called from main.ts with process.env.
 */
export function launchBackendsFromEnv(
  env: NodeJS.ProcessEnv,
  store: ObjectStore,
  s3: { bucket: string; region: string; endpoint?: string | undefined; prefix?: string | undefined },
): Partial<Record<BackendKind, LaunchBackend>> {
  const e = parseEnv(LaunchEnv, env);
  const backends: Partial<Record<BackendKind, LaunchBackend>> = { bundle: createBundleBackend({ store }) };
  if (e.SLURM_JOB_ROOT && e.SLURM_DATASET_ROOT) {
    backends.slurm = createSlurmBackend({
      jobRoot: e.SLURM_JOB_ROOT,
      datasetRoot: e.SLURM_DATASET_ROOT,
      store,
      requestGpus: e.SLURM_REQUEST_GPUS === 'true',
      ...(e.SLURM_PARTITION ? { partition: e.SLURM_PARTITION } : {}),
      ...(e.SLURM_ACCOUNT ? { account: e.SLURM_ACCOUNT } : {}),
      ...(e.SLURM_TIME_LIMIT ? { timeLimit: e.SLURM_TIME_LIMIT } : {}),
      ...(e.SLURM_TOKENIZER_PATH ? { tokenizerPath: e.SLURM_TOKENIZER_PATH } : {}),
    });
  }
  if (e.K8S_NAMESPACE && e.K8S_TRAINING_IMAGE && e.K8S_TOOLS_IMAGE) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    backends.kubernetes = createKubernetesBackend({
      kubeConfig,
      namespace: e.K8S_NAMESPACE,
      image: e.K8S_TRAINING_IMAGE,
      toolsImage: e.K8S_TOOLS_IMAGE,
      s3SecretName: e.K8S_S3_SECRET,
      s3Env: {
        S3_BUCKET: s3.bucket,
        S3_REGION: s3.region,
        ...(s3.endpoint ? { S3_ENDPOINT: s3.endpoint } : {}),
        ...(s3.prefix ? { S3_PREFIX: s3.prefix } : {}),
      },
    });
  }
  return backends;
}
