import { z } from 'zod';
import { InputError, parseOrThrow } from '@rft/contracts';
import { DatasetFormat } from '@rft/dataset';

/**
 * Everything a training run needs besides the dataset. Defaults are the START recipe: QwQ-32B,
 * lr 7e-6, global batch 128, cosine with 3% warmup, 3 epochs, samples <= 16k tokens packed into 32k,
 * bf16, gradient checkpointing, DeepSpeed ZeRO-3 on 4 nodes x 8 GPUs.
 */
export const TrainingProfile = z.object({
  name: z.string().min(1).default('start-qwq32b-sft'),
  model: z
    .object({
      id: z.string().min(1).default('Qwen/QwQ-32B'),
      revision: z.string().min(1).nullable().default(null),
      /** Hidden size: resolves ZeRO-3 bucket sizes (h^2, 0.9 h^2, 10 h). */
      hiddenSize: z.number().int().positive().default(5120),
    })
    .prefault({}),
  /** Which dataset export the training program reads. */
  datasetFormat: DatasetFormat.default('trl'),
  optimizer: z
    .object({
      learningRate: z.number().positive().default(7e-6),
      /** Not given by the paper; 0.0 is the usual default. */
      weightDecay: z.number().nonnegative().default(0),
      adamBeta1: z.number().positive().lt(1).default(0.9),
      adamBeta2: z.number().positive().lt(1).default(0.999),
      maxGradNorm: z.number().positive().default(1.0),
    })
    .prefault({}),
  schedule: z
    .object({
      scheduler: z.literal('cosine').default('cosine'),
      warmupRatio: z.number().min(0).lt(1).default(0.03),
      epochs: z.number().int().positive().default(3),
    })
    .prefault({}),
  batch: z
    .object({
      /** Sequences per optimizer step across all GPUs (DeepSpeed `train_batch_size`). */
      globalBatch: z.number().int().positive().default(128),
      /**
       * What one sequence is. `packs`: one packed 32k sequence holding several samples (examples per
       * step = globalBatch x packing factor). `samples`: one sample per sequence (packing off).
       */
      unit: z.enum(['packs', 'samples']).default('packs'),
      microBatchPerGpu: z.number().int().positive().default(1),
    })
    .prefault({}),
  sequence: z
    .object({
      maxSampleTokens: z.number().int().positive().default(16_384),
      packing: z.boolean().default(true),
      packTokens: z.number().int().positive().default(32_768),
    })
    .prefault({}),
  precision: z.enum(['bf16', 'fp16']).default('bf16'),
  gradientCheckpointing: z.boolean().default(true),
  zero: z
    .object({
      stage: z.literal(3).default(3),
      offloadOptimizer: z.enum(['none', 'cpu']).default('none'),
      offloadParam: z.enum(['none', 'cpu']).default('none'),
      overlapComm: z.boolean().default(true),
      gather16BitWeightsOnSave: z.boolean().default(true),
    })
    .prefault({}),
  cluster: z
    .object({
      nodes: z.number().int().positive().default(4),
      gpusPerNode: z.number().int().positive().default(8),
    })
    .prefault({}),
  /** Checkpoints are ~460 GB each with ZeRO-3 optimizer state: keep few. */
  saveTotalLimit: z.number().int().positive().default(2),
  seed: z.number().int().nonnegative().default(42),
  /** The training program torchrun starts on every GPU; receives --deepspeed, --training_args, --dataset_dir. */
  entrypoint: z.array(z.string().min(1)).min(1).default(['train.py']),
});
export type TrainingProfile = z.infer<typeof TrainingProfile>;
export type TrainingProfileInput = z.input<typeof TrainingProfile>;

export const PAPER_PROFILE: TrainingProfile = TrainingProfile.parse({});

/** Parses a profile (defaults filled in) and checks the combinations zod cannot express. */
export function parseProfile(input: unknown): TrainingProfile {
  const profile = parseOrThrow(TrainingProfile, input ?? {}, 'training profile');
  if (profile.batch.unit === 'samples' && profile.sequence.packing) {
    throw new InputError(
      'training profile: batch.unit: "samples" needs sequence.packing: false (with packing each sequence DeepSpeed counts is a pack); use unit "packs" or turn packing off',
    );
  }
  if (profile.sequence.packing && profile.sequence.packTokens < profile.sequence.maxSampleTokens) {
    throw new InputError(
      `training profile: sequence.packTokens (${profile.sequence.packTokens}) must be >= sequence.maxSampleTokens (${profile.sequence.maxSampleTokens})`,
    );
  }
  return profile;
}
