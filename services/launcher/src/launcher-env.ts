import { z } from 'zod';
import { parseOrThrow } from '@rft/contracts';

/** The launcher's settings, parsed from an env object (main.ts passes process.env). */
export const LauncherEnv = z.object({
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().min(1),
  S3_PREFIX: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Shared filesystem paths for Slurm runs. */
  SLURM_JOB_ROOT: z.string().optional(),
  SLURM_DATASET_ROOT: z.string().optional(),
  SLURM_PARTITION: z.string().optional(),
  SLURM_ACCOUNT: z.string().optional(),
  SLURM_TIME_LIMIT: z.string().optional(),
  SLURM_TOKENIZER_PATH: z.string().optional(),
  SLURM_REQUEST_GPUS: z.enum(['true', 'false']).default('true'),
  /** Kubernetes: the kubeconfig comes from KUBECONFIG / in-cluster service account. */
  K8S_NAMESPACE: z.string().optional(),
  K8S_TRAINING_IMAGE: z.string().optional(),
  K8S_TOOLS_IMAGE: z.string().optional(),
  K8S_S3_SECRET: z.string().default('rft-s3'),
  POLL_INTERVAL_MS: z.coerce.number().int().positive().default(30_000),
});
export type LauncherEnv = z.infer<typeof LauncherEnv>;

export function parseLauncherEnv(env: Record<string, string | undefined>): LauncherEnv {
  return parseOrThrow(LauncherEnv, env, 'environment');
}
