import { KubeConfig } from '@kubernetes/client-node';
import type { LauncherConfig } from '../config.ts';
import type { ObjectStore } from '@rft/storage';
import type { LaunchBackends } from '../launcher.ts';
import { createBundleBackend } from './bundle.ts';
import { createKubernetesBackend } from './kubernetes.ts';
import { createSlurmBackend } from './slurm.ts';

/** The backends the configuration enables: bundle always, Slurm and Kubernetes when their settings are present. */
export function backendsFromConfig(config: LauncherConfig, store: ObjectStore): LaunchBackends {
  const backends: LaunchBackends = { bundle: createBundleBackend({ store }) };
  const { slurm, kubernetes, s3 } = config;
  if (slurm) {
    backends.slurm = createSlurmBackend({
      jobRoot: slurm.jobRoot,
      datasetRoot: slurm.datasetRoot,
      store,
      requestGpus: slurm.requestGpus,
      ...(slurm.partition ? { partition: slurm.partition } : {}),
      ...(slurm.account ? { account: slurm.account } : {}),
      ...(slurm.timeLimit ? { timeLimit: slurm.timeLimit } : {}),
      ...(slurm.tokenizerPath ? { tokenizerPath: slurm.tokenizerPath } : {}),
      ...(slurm.python ? { python: slurm.python } : {}),
    });
  }
  if (kubernetes) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    backends.kubernetes = createKubernetesBackend({
      kubeConfig,
      namespace: kubernetes.namespace,
      image: kubernetes.trainingImage,
      toolsImage: kubernetes.toolsImage,
      s3SecretName: kubernetes.s3SecretName,
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
