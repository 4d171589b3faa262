import { z } from 'zod';
import { infrastructureConfig, type InfrastructureConfig } from './infrastructure.ts';
import { ConfigError, envBoolean, envInt, parseEnv } from './parse-env.ts';

export interface SchedulerConfig extends InfrastructureConfig {
  /** Rollout jobs kept in Redis at once, across all campaigns: a few times total worker concurrency. */
  rolloutWindow: number;
  /** How often the scheduler tops up the window and sweeps for lost work. */
  tickMs: number;
  /** A queued or running item whose job vanished from Redis for this long is re-enqueued. */
  lostJobGraceMs: number;
}

export function schedulerConfig(env: NodeJS.ProcessEnv): SchedulerConfig {
  const e = parseEnv(
    z.object({
      ROLLOUT_WINDOW: envInt(1, 1_000_000).default(256),
      SCHEDULER_TICK_MS: envInt(50, 600_000).default(1000),
      LOST_JOB_GRACE_MS: envInt(0, 86_400_000).default(30_000),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    rolloutWindow: e.ROLLOUT_WINDOW,
    tickMs: e.SCHEDULER_TICK_MS,
    lostJobGraceMs: e.LOST_JOB_GRACE_MS,
  };
}

export interface RolloutWorkerConfig extends InfrastructureConfig {
  /** Questions processed at once by this worker (each runs its samples concurrently). */
  concurrency: number;
  /** Inference endpoints used when a campaign names none. */
  defaultEndpoints: string[];
  /** The sandbox service; empty runs snippets in a local subprocess (development only). */
  sandboxUrl: string | undefined;
  /** BullMQ lock duration: a worker that stops renewing (killed) loses its jobs after this. */
  lockDurationMs: number;
  /** One inference request (one turn) is abandoned after this; a hung replica is then retried elsewhere. */
  inferenceRequestTimeoutMs: number;
}

const urlList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().url()));

export function rolloutWorkerConfig(env: NodeJS.ProcessEnv): RolloutWorkerConfig {
  const e = parseEnv(
    z.object({
      ROLLOUT_CONCURRENCY: envInt(1, 10_000).default(32),
      INFERENCE_ENDPOINTS: urlList,
      SANDBOX_URL: z.string().url().optional(),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
      INFERENCE_REQUEST_TIMEOUT_MS: envInt(1000, 24 * 3_600_000).default(30 * 60_000),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    inferenceRequestTimeoutMs: e.INFERENCE_REQUEST_TIMEOUT_MS,
    concurrency: e.ROLLOUT_CONCURRENCY,
    defaultEndpoints: e.INFERENCE_ENDPOINTS,
    sandboxUrl: e.SANDBOX_URL,
    lockDurationMs: e.LOCK_DURATION_MS,
  };
}

export interface GraderConfig extends InfrastructureConfig {
  concurrency: number;
  sandboxUrl: string | undefined;
  lockDurationMs: number;
}

export function graderConfig(env: NodeJS.ProcessEnv): GraderConfig {
  const e = parseEnv(
    z.object({
      GRADER_CONCURRENCY: envInt(1, 1000).default(8),
      SANDBOX_URL: z.string().url().optional(),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
    }),
    env,
  );
  return { ...infrastructureConfig(env), concurrency: e.GRADER_CONCURRENCY, sandboxUrl: e.SANDBOX_URL, lockDurationMs: e.LOCK_DURATION_MS };
}

export interface CuratorConfig extends InfrastructureConfig {
  concurrency: number;
  /** The model's `tokenizer.json`; unset uses the Qwen tokenizer bundled for development. */
  tokenizerJson: string | undefined;
  tokenizerConfig: string | undefined;
  tokenizerName: string | undefined;
}

export function curatorConfig(env: NodeJS.ProcessEnv): CuratorConfig {
  const e = parseEnv(
    z.object({
      CURATOR_CONCURRENCY: envInt(1, 64).default(1),
      TOKENIZER_JSON: z.string().min(1).optional(),
      TOKENIZER_CONFIG: z.string().min(1).optional(),
      TOKENIZER_NAME: z.string().min(1).optional(),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    concurrency: e.CURATOR_CONCURRENCY,
    tokenizerJson: e.TOKENIZER_JSON,
    tokenizerConfig: e.TOKENIZER_CONFIG,
    tokenizerName: e.TOKENIZER_NAME,
  };
}

export interface LauncherConfig extends InfrastructureConfig {
  /** How often submitted, unfinished training runs are polled. */
  pollIntervalMs: number;
  /** Slurm backend; configured when both shared-filesystem roots are set. */
  slurm:
    | {
        jobRoot: string;
        datasetRoot: string;
        partition: string | undefined;
        account: string | undefined;
        timeLimit: string | undefined;
        tokenizerPath: string | undefined;
        python: string | undefined;
        /** `--gpus-per-node`; false only for a test cluster without GPU gres. */
        requestGpus: boolean;
      }
    | undefined;
  /** Kubernetes backend (kubeconfig from KUBECONFIG or the service account); configured when all three are set. */
  kubernetes: { namespace: string; trainingImage: string; toolsImage: string; s3SecretName: string } | undefined;
}

export function launcherConfig(env: NodeJS.ProcessEnv): LauncherConfig {
  const optional = z.string().min(1).optional();
  const e = parseEnv(
    z.object({
      LAUNCHER_POLL_INTERVAL_MS: envInt(1000, 86_400_000).default(30_000),
      SLURM_JOB_ROOT: optional,
      SLURM_DATASET_ROOT: optional,
      SLURM_PARTITION: optional,
      SLURM_ACCOUNT: optional,
      SLURM_TIME_LIMIT: optional,
      SLURM_TOKENIZER_PATH: optional,
      SLURM_PYTHON: optional,
      SLURM_REQUEST_GPUS: envBoolean.default(true),
      K8S_NAMESPACE: optional,
      K8S_TRAINING_IMAGE: optional,
      K8S_TOOLS_IMAGE: optional,
      K8S_S3_SECRET: z.string().min(1).default('rft-s3'),
    }),
    env,
  );
  const slurmSet = [e.SLURM_JOB_ROOT, e.SLURM_DATASET_ROOT].filter(Boolean).length;
  if (slurmSet === 1)
    throw new ConfigError('invalid configuration:\n  SLURM_JOB_ROOT / SLURM_DATASET_ROOT: set both (shared-filesystem roots) or neither');
  const k8sSet = [e.K8S_NAMESPACE, e.K8S_TRAINING_IMAGE, e.K8S_TOOLS_IMAGE].filter(Boolean).length;
  if (k8sSet > 0 && k8sSet < 3) {
    throw new ConfigError('invalid configuration:\n  K8S_NAMESPACE / K8S_TRAINING_IMAGE / K8S_TOOLS_IMAGE: set all three or none');
  }
  return {
    ...infrastructureConfig(env),
    pollIntervalMs: e.LAUNCHER_POLL_INTERVAL_MS,
    slurm:
      e.SLURM_JOB_ROOT && e.SLURM_DATASET_ROOT
        ? {
            jobRoot: e.SLURM_JOB_ROOT,
            datasetRoot: e.SLURM_DATASET_ROOT,
            partition: e.SLURM_PARTITION,
            account: e.SLURM_ACCOUNT,
            timeLimit: e.SLURM_TIME_LIMIT,
            tokenizerPath: e.SLURM_TOKENIZER_PATH,
            python: e.SLURM_PYTHON,
            requestGpus: e.SLURM_REQUEST_GPUS,
          }
        : undefined,
    kubernetes:
      e.K8S_NAMESPACE && e.K8S_TRAINING_IMAGE && e.K8S_TOOLS_IMAGE
        ? { namespace: e.K8S_NAMESPACE, trainingImage: e.K8S_TRAINING_IMAGE, toolsImage: e.K8S_TOOLS_IMAGE, s3SecretName: e.K8S_S3_SECRET }
        : undefined,
  };
}
