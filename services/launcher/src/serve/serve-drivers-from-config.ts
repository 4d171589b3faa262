import { KubeConfig } from '@kubernetes/client-node';
import type { Db } from '@rft/db';
import type { ServeBackend } from '@rft/pipeline';
import type { ObjectStore } from '@rft/storage';
import type { LauncherConfig } from '../config.ts';
import { createExternalServeDriver } from './external-serve.ts';
import { createKubernetesServeDriver } from './kubernetes-serve.ts';
import { createLocalServeDriver } from './local-serve.ts';
import type { ServeDriver } from './serve-driver.ts';
import { createSlurmServeDriver } from './slurm-serve.ts';

/** The serve backends the configuration enables: external always, slurm and kubernetes with the training backends' settings, local only when SERVE_LOCAL_ROOT is set. */
export function serveDriversFromConfig(
  config: LauncherConfig,
  db: Db,
  store: ObjectStore,
): Partial<Record<ServeBackend['type'], ServeDriver>> {
  const drivers: Partial<Record<ServeBackend['type'], ServeDriver>> = { external: createExternalServeDriver(db) };
  if (config.slurm) {
    drivers.slurm = createSlurmServeDriver({
      jobRoot: config.slurm.jobRoot,
      ...(config.slurm.account ? { account: config.slurm.account } : {}),
    });
  }
  if (config.kubernetes && config.serve.checkpointClaim) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    drivers.kubernetes = createKubernetesServeDriver({
      kubeConfig,
      image: config.serve.vllmImage,
      checkpointClaim: config.serve.checkpointClaim,
    });
  }
  if (config.serve.localRoot) drivers.local = createLocalServeDriver({ root: config.serve.localRoot, store });
  return drivers;
}
