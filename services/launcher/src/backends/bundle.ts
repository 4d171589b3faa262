import { stringify } from 'yaml';
import { InputError } from '@rft/contracts';
import type { ObjectStore } from '@rft/storage';
import type { LaunchPlan } from '../launch-plan.ts';
import type { LaunchBackend } from './launch-backend.ts';
import { planFiles } from './plan-files.ts';
import { buildPyTorchJob, type PyTorchJobOptions } from './pytorchjob-manifest.ts';
import { renderSbatchScript } from './slurm.ts';

export interface BundleBackendOptions {
  store: ObjectStore;
  /** Values used in the example PyTorchJob manifest; placeholders when absent. */
  kubernetes?: Partial<PyTorchJobOptions>;
}

export function bundlePrefix(runId: string): string {
  return `training-bundles/${runId}`;
}

function hostfile(nodes: number, gpusPerNode: number): string {
  return Array.from({ length: nodes }, (_, i) => `node-${i + 1} slots=${gpusPerNode}`).join('\n') + '\n';
}

function readme(plan: LaunchPlan): string {
  const g = plan.geometry;
  return `Training bundle for run ${plan.runId}
dataset: ${plan.datasetId} (format ${plan.profile.datasetFormat}); pull and verify it with
  node shared/dataset/src/pull-cli.ts ${plan.datasetId} -o DATASET_DIR --format ${plan.profile.datasetFormat}
world: ${plan.profile.cluster.nodes} nodes x ${plan.profile.cluster.gpusPerNode} GPUs = ${g.worldSize}
batch: train_batch_size ${g.trainBatchSize} = micro ${g.microBatchPerGpu} x grad_accum ${g.gradientAccumulationSteps} x world ${g.worldSize} (${plan.profile.batch.unit})
schedule: ${plan.schedule.totalSteps} steps, ${plan.schedule.warmupSteps} warmup, ${plan.profile.schedule.epochs} epochs
files:
  plan.json            the exact plan (profile, DeepSpeed config, trainer args, dataset file hashes)
  ds_config.json       DeepSpeed ZeRO-3 config (resolved, no "auto")
  training_args.json   HF TrainingArguments / TRL SFTConfig
  preflight.py         python3 preflight.py --plan plan.json --dataset-dir DATASET_DIR [--tokenizer tokenizer.json]
  job.sbatch           Slurm script (edit DATASET_DIR and paths)
  pytorchjob.yaml      Kubeflow PyTorchJob (needs a ConfigMap <name>-files with the files above)
  hostfile             deepspeed launcher: deepspeed --hostfile=hostfile --master_addr=node-1 --master_port=29500 ...
`;
}

/** Writes everything an external launcher needs to `training-bundles/<runId>/` in the object store. */
export function createBundleBackend(opts: BundleBackendOptions): LaunchBackend {
  return {
    kind: 'bundle',
    async submit(plan) {
      const prefix = bundlePrefix(plan.runId);
      const k8s: PyTorchJobOptions = {
        namespace: 'default',
        image: 'TRAINING_IMAGE',
        toolsImage: 'RFT_ORCHESTRATOR_IMAGE',
        s3SecretName: 'rft-s3',
        s3Env: {},
        ...opts.kubernetes,
      };
      const files: Record<string, string> = {
        ...planFiles(plan),
        'job.sbatch': renderSbatchScript(
          plan,
          { jobRoot: '.', datasetRoot: 'DATASET_ROOT', store: opts.store },
          '.',
          `DATASET_ROOT/${plan.datasetId}`,
        ),
        'pytorchjob.yaml': stringify(buildPyTorchJob(plan, k8s)),
        hostfile: hostfile(plan.profile.cluster.nodes, plan.profile.cluster.gpusPerNode),
        'README.txt': readme(plan),
      };
      for (const [name, content] of Object.entries(files))
        await opts.store.put(`${prefix}/${name}`, content, { contentType: 'text/plain' });
      return { externalId: prefix, status: 'unknown' };
    },
    async status() {
      return { status: 'unknown', detail: 'handed off as a bundle: the external launcher owns its status' };
    },
    async cancel() {
      throw new InputError('backend: a bundle run cannot be cancelled from here: cancel it where it was launched');
    },
  };
}
