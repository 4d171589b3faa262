/**
 * Launcher entry point.
 *   node services/launcher/src/main.ts plan   --dataset ID [--profile profile.json]
 *   node services/launcher/src/main.ts launch --dataset ID --backend slurm|kubernetes|bundle [--profile f] [--tokenizer tokenizer.json]
 *   node services/launcher/src/main.ts status --backend slurm|kubernetes --id EXTERNAL_ID
 * Settings from the environment (see launcher-env.ts). Runs are recorded through a RunStore; this
 * entry uses the in-process store and prints the run, the API service persists them in Postgres.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@rft/contracts';
import { readManifest } from '@rft/curator';
import { createS3Client, createS3ObjectStore, type ObjectStore } from '@rft/storage';
import { createBundleBackend } from './backends/bundle.ts';
import { createKubernetesBackend } from './backends/kubernetes.ts';
import type { LaunchBackend } from './backends/launch-backend.ts';
import { createSlurmBackend } from './backends/slurm.ts';
import { planLaunch } from './launch-plan.ts';
import { createLauncher } from './launcher.ts';
import { parseLauncherEnv, type LauncherEnv } from './launcher-env.ts';
import { createMemoryRunStore, type BackendKind } from './run-store.ts';
import { parseProfile } from './training-profile.ts';

function backendsFrom(env: LauncherEnv, store: ObjectStore): Partial<Record<BackendKind, LaunchBackend>> {
  const backends: Partial<Record<BackendKind, LaunchBackend>> = { bundle: createBundleBackend({ store }) };
  if (env.SLURM_JOB_ROOT && env.SLURM_DATASET_ROOT) {
    backends.slurm = createSlurmBackend({
      jobRoot: env.SLURM_JOB_ROOT,
      datasetRoot: env.SLURM_DATASET_ROOT,
      store,
      requestGpus: env.SLURM_REQUEST_GPUS === 'true',
      ...(env.SLURM_PARTITION ? { partition: env.SLURM_PARTITION } : {}),
      ...(env.SLURM_ACCOUNT ? { account: env.SLURM_ACCOUNT } : {}),
      ...(env.SLURM_TIME_LIMIT ? { timeLimit: env.SLURM_TIME_LIMIT } : {}),
      ...(env.SLURM_TOKENIZER_PATH ? { tokenizerPath: env.SLURM_TOKENIZER_PATH } : {}),
    });
  }
  if (env.K8S_NAMESPACE && env.K8S_TRAINING_IMAGE && env.K8S_TOOLS_IMAGE) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    backends.kubernetes = createKubernetesBackend({
      kubeConfig,
      namespace: env.K8S_NAMESPACE,
      image: env.K8S_TRAINING_IMAGE,
      toolsImage: env.K8S_TOOLS_IMAGE,
      s3SecretName: env.K8S_S3_SECRET,
      s3Env: {
        S3_BUCKET: env.S3_BUCKET,
        S3_REGION: env.S3_REGION,
        ...(env.S3_ENDPOINT ? { S3_ENDPOINT: env.S3_ENDPOINT } : {}),
        ...(env.S3_PREFIX ? { S3_PREFIX: env.S3_PREFIX } : {}),
      },
    });
  }
  return backends;
}

/** A profile file, JSON or YAML (overrides of the paper's defaults). */
async function readProfileFile(path: string): Promise<unknown> {
  try {
    return parseYaml(await readFile(path, 'utf8')) ?? {};
  } catch (error) {
    throw new InputError(`--profile: ${path} is not readable JSON/YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      backend: { type: 'string' },
      profile: { type: 'string' },
      tokenizer: { type: 'string' },
      id: { type: 'string' },
    },
  });
  const command = positionals[0];
  const env = parseLauncherEnv(process.env);
  const settings = {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    bucket: env.S3_BUCKET,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_ENDPOINT !== undefined,
    prefix: env.S3_PREFIX,
  };
  const client = createS3Client(settings);
  const store = createS3ObjectStore(client, settings);
  const backends = backendsFrom(env, store);
  const profile = values.profile ? await readProfileFile(values.profile) : {};
  const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  try {
    switch (command) {
      case 'plan': {
        if (!values.dataset) throw new InputError('--dataset: required');
        print(planLaunch({ runId: 'dry-run', profile: parseProfile(profile), manifest: await readManifest(store, values.dataset) }));
        return 0;
      }
      case 'launch': {
        if (!values.dataset) throw new InputError('--dataset: required');
        const backend = values.backend as BackendKind | undefined;
        if (backend !== 'slurm' && backend !== 'kubernetes' && backend !== 'bundle')
          throw new InputError('--backend: one of slurm, kubernetes, bundle');
        const launcher = createLauncher({ store, runStore: createMemoryRunStore(), backends });
        print(
          await launcher.launch({
            datasetId: values.dataset,
            backend,
            profile,
            ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}),
          }),
        );
        return 0;
      }
      case 'status': {
        const backend = backends[values.backend as BackendKind];
        if (!backend || !values.id) throw new InputError('--backend (configured one) and --id are required');
        print(await backend.status(values.id));
        return 0;
      }
      default:
        throw new InputError('usage: main.ts plan|launch|status ...');
    }
  } finally {
    client.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof InputError ? 2 : 1);
  },
);
