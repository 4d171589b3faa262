import { InputError } from '@rft/contracts';
import type { TrainingProfile } from './training-profile.ts';

export interface BatchGeometry {
  worldSize: number;
  microBatchPerGpu: number;
  gradientAccumulationSteps: number;
  trainBatchSize: number;
}

/**
 * DeepSpeed's rule: train_batch_size = train_micro_batch_size_per_gpu x gradient_accumulation_steps x
 * world_size, world = nodes x GPUs per node. Checked here, before anything is submitted.
 */
export function batchGeometry(profile: TrainingProfile): BatchGeometry {
  const { nodes, gpusPerNode } = profile.cluster;
  const worldSize = nodes * gpusPerNode;
  const micro = profile.batch.microBatchPerGpu;
  const perStep = micro * worldSize;
  const global = profile.batch.globalBatch;
  if (global % perStep !== 0) {
    const lower = Math.floor(global / perStep) * perStep;
    const hint = lower > 0 ? `${lower} or ${lower + perStep}` : String(perStep);
    throw new InputError(
      `batch.globalBatch: ${global} is not divisible by batch.microBatchPerGpu (${micro}) x world size (${worldSize} = cluster.nodes ${nodes} x cluster.gpusPerNode ${gpusPerNode}) = ${perStep}; DeepSpeed needs train_batch_size = micro x gradient_accumulation_steps x world_size (use ${hint})`,
    );
  }
  return { worldSize, microBatchPerGpu: micro, gradientAccumulationSteps: global / perStep, trainBatchSize: global };
}

export type DeepSpeedConfig = Record<string, unknown> & {
  train_batch_size: number;
  train_micro_batch_size_per_gpu: number;
  gradient_accumulation_steps: number;
};

/**
 * A fully resolved ZeRO-3 config (no "auto"), generated from the same profile as the trainer
 * arguments so HF Trainer's consistency check cannot disagree. No optimizer/scheduler blocks: the
 * Trainer builds AdamW and its cosine schedule (DeepSpeed's WarmupDecayLR is linear).
 */
export function buildDeepSpeedConfig(profile: TrainingProfile): DeepSpeedConfig {
  const g = batchGeometry(profile);
  const h = profile.model.hiddenSize;
  return {
    train_batch_size: g.trainBatchSize,
    train_micro_batch_size_per_gpu: g.microBatchPerGpu,
    gradient_accumulation_steps: g.gradientAccumulationSteps,
    gradient_clipping: profile.optimizer.maxGradNorm,
    steps_per_print: 10,
    wall_clock_breakdown: false,
    zero_allow_untested_optimizer: true,
    bf16: { enabled: profile.precision === 'bf16' },
    fp16: { enabled: profile.precision === 'fp16' },
    zero_optimization: {
      stage: profile.zero.stage,
      overlap_comm: profile.zero.overlapComm,
      contiguous_gradients: true,
      reduce_scatter: true,
      reduce_bucket_size: h * h,
      stage3_prefetch_bucket_size: Math.floor(0.9 * h * h),
      stage3_param_persistence_threshold: 10 * h,
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      sub_group_size: 1e9,
      stage3_gather_16bit_weights_on_model_save: profile.zero.gather16BitWeightsOnSave,
      offload_optimizer: {
        device: profile.zero.offloadOptimizer,
        ...(profile.zero.offloadOptimizer === 'cpu' ? { pin_memory: true } : {}),
      },
      offload_param: { device: profile.zero.offloadParam, ...(profile.zero.offloadParam === 'cpu' ? { pin_memory: true } : {}) },
    },
  };
}

function positiveInt(cfg: Record<string, unknown>, field: string): number {
  const v = cfg[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new InputError(`deepspeed config: ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Validates a DeepSpeed config (ours or hand-edited) for a world size, as DeepSpeed would at start-up. */
export function validateDeepSpeedConfig(cfg: Record<string, unknown>, worldSize: number): void {
  const total = positiveInt(cfg, 'train_batch_size');
  const micro = positiveInt(cfg, 'train_micro_batch_size_per_gpu');
  const gas = positiveInt(cfg, 'gradient_accumulation_steps');
  if (micro * gas * worldSize !== total) {
    throw new InputError(
      `deepspeed config: train_batch_size ${total} != train_micro_batch_size_per_gpu ${micro} x gradient_accumulation_steps ${gas} x world_size ${worldSize} (= ${micro * gas * worldSize})`,
    );
  }
  const zero = cfg['zero_optimization'] as Record<string, unknown> | undefined;
  if (zero?.['stage'] !== 3) throw new InputError('deepspeed config: zero_optimization.stage must be 3');
  const bf16 = (cfg['bf16'] as { enabled?: unknown } | undefined)?.enabled === true;
  const fp16 = (cfg['fp16'] as { enabled?: unknown } | undefined)?.enabled === true;
  if (bf16 && fp16) throw new InputError('deepspeed config: bf16.enabled and fp16.enabled cannot both be true');
  if ('optimizer' in cfg || 'scheduler' in cfg) {
    throw new InputError('deepspeed config: optimizer/scheduler blocks must be omitted (the trainer builds AdamW and the cosine schedule)');
  }
}
