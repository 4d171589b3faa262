import type { DatasetManifest } from '@rft/dataset';
import { InputError } from '@rft/contracts';
import {
  batchGeometry,
  buildDeepSpeedConfig,
  validateDeepSpeedConfig,
  type BatchGeometry,
  type DeepSpeedConfig,
} from './deepspeed-config.ts';
import type { TrainingProfile } from './training-profile.ts';

export interface TrainingSchedule {
  /** Sequences per epoch in the profile's batch unit (packs or samples). */
  unitsPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  /** Examples (samples) per optimizer step, mean: globalBatch x packing factor when packing. */
  samplesPerStep: number;
}

/** Everything one run is started with; recorded verbatim in the run store and shipped to the cluster. */
export interface LaunchPlan {
  runId: string;
  datasetId: string;
  profile: TrainingProfile;
  geometry: BatchGeometry;
  deepspeed: DeepSpeedConfig;
  trainingArgs: Record<string, unknown>;
  schedule: TrainingSchedule;
  /** sha256 of the tokenizer.json the dataset was tokenized with. */
  tokenizerSha256: string;
  /** Files of the dataset export the job reads (path, rows, bytes, sha256), re-checked on the node. */
  datasetFiles: DatasetManifest['exports']['trl']['files'];
}

/** HF `get_warmup_steps`: ceil(ratio x total). Steps: ceil(units / global batch) per epoch. */
export function trainingSchedule(profile: TrainingProfile, manifest: DatasetManifest): TrainingSchedule {
  const packing = profile.sequence.packing;
  const unitsPerEpoch = packing ? manifest.packing.packs : manifest.counts.kept;
  const stepsPerEpoch = Math.ceil(unitsPerEpoch / profile.batch.globalBatch);
  const totalSteps = stepsPerEpoch * profile.schedule.epochs;
  return {
    unitsPerEpoch,
    stepsPerEpoch,
    totalSteps,
    warmupSteps: Math.ceil(profile.schedule.warmupRatio * totalSteps),
    samplesPerStep: packing ? profile.batch.globalBatch * manifest.packing.packingFactor : profile.batch.globalBatch,
  };
}

/** HF TrainingArguments (TRL SFTConfig superset), from the same source as the DeepSpeed config. */
export function buildTrainingArgs(profile: TrainingProfile, geometry: BatchGeometry, schedule: TrainingSchedule): Record<string, unknown> {
  return {
    output_dir: 'checkpoints',
    per_device_train_batch_size: geometry.microBatchPerGpu,
    gradient_accumulation_steps: geometry.gradientAccumulationSteps,
    learning_rate: profile.optimizer.learningRate,
    lr_scheduler_type: profile.schedule.scheduler,
    // Integer steps, not warmup_ratio (deprecated in transformers >= 5); ceil(0.03 x total) as HF computes it.
    warmup_steps: schedule.warmupSteps,
    num_train_epochs: profile.schedule.epochs,
    max_grad_norm: profile.optimizer.maxGradNorm,
    weight_decay: profile.optimizer.weightDecay,
    adam_beta1: profile.optimizer.adamBeta1,
    adam_beta2: profile.optimizer.adamBeta2,
    bf16: profile.precision === 'bf16',
    fp16: profile.precision === 'fp16',
    gradient_checkpointing: profile.gradientCheckpointing,
    deepspeed: 'ds_config.json',
    max_length: profile.sequence.packing ? profile.sequence.packTokens : profile.sequence.maxSampleTokens,
    packing: profile.sequence.packing,
    padding_free: profile.sequence.packing,
    save_strategy: 'epoch',
    save_total_limit: profile.saveTotalLimit,
    logging_steps: 1,
    seed: profile.seed,
    report_to: 'none',
  };
}

/** Checks the dataset fits the profile and builds the plan; every failure names the field. */
export function planLaunch(input: { runId: string; profile: TrainingProfile; manifest: DatasetManifest }): LaunchPlan {
  const { profile, manifest } = input;
  const geometry = batchGeometry(profile);
  if (manifest.limits.maxSampleTokens > profile.sequence.maxSampleTokens) {
    throw new InputError(
      `sequence.maxSampleTokens: ${profile.sequence.maxSampleTokens} is below the dataset's limit ${manifest.limits.maxSampleTokens} (dataset ${manifest.datasetId}); samples would be truncated`,
    );
  }
  if (profile.sequence.packing && manifest.packing.packTokens !== profile.sequence.packTokens) {
    throw new InputError(
      `sequence.packTokens: ${profile.sequence.packTokens} differs from the dataset's pack length ${manifest.packing.packTokens}; the step count would be wrong`,
    );
  }
  const schedule = trainingSchedule(profile, manifest);
  const deepspeed = buildDeepSpeedConfig(profile);
  validateDeepSpeedConfig(deepspeed, geometry.worldSize);
  return {
    runId: input.runId,
    datasetId: manifest.datasetId,
    profile,
    geometry,
    deepspeed,
    trainingArgs: buildTrainingArgs(profile, geometry, schedule),
    schedule,
    tokenizerSha256: manifest.model.tokenizer.sha256,
    datasetFiles: manifest.exports[profile.datasetFormat].files,
  };
}
