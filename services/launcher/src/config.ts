import { z } from 'zod';
import { ConfigError, envBoolean, envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';

/** The launcher service's settings, parsed once by main.ts. */
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
  serve: {
    /** A serve step whose server does not list its model this long after its start fails. */
    readinessTimeoutMs: number;
    /** `local` serve backend (development only: model-sim processes); enabled when set, e.g. `.local/serve`. */
    localRoot: string | undefined;
    /** `vllm/vllm-openai` image of Kubernetes serve Deployments. */
    vllmImage: string;
    /** PVC with the training checkpoints; the Kubernetes serve backend is enabled when it and the Kubernetes settings are set. */
    checkpointClaim: string | undefined;
  };
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
      SERVE_READINESS_TIMEOUT_MS: envInt(1000, 7 * 86_400_000).default(30 * 60_000),
      SERVE_LOCAL_ROOT: optional,
      SERVE_VLLM_IMAGE: z.string().min(1).default('vllm/vllm-openai:v0.10.1'),
      SERVE_K8S_CHECKPOINT_CLAIM: optional,
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
    serve: {
      readinessTimeoutMs: e.SERVE_READINESS_TIMEOUT_MS,
      localRoot: e.SERVE_LOCAL_ROOT,
      vllmImage: e.SERVE_VLLM_IMAGE,
      checkpointClaim: e.SERVE_K8S_CHECKPOINT_CLAIM,
    },
  };
}
