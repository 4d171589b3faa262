import { describe, expect, it } from 'vitest';
import { InputError } from '@rft/contracts';
import { batchGeometry, buildDeepSpeedConfig, validateDeepSpeedConfig } from './deepspeed-config.ts';
import { planLaunch } from './launch-plan.ts';
import { PAPER_PROFILE, parseProfile } from './training-profile.ts';
import { manifestFixture as fakeManifest } from '@rft/dataset/testing';

describe('training profile and DeepSpeed config', () => {
  it('defaults to the paper recipe: 128 = 1 x 4 x 32 on 4 nodes x 8 GPUs, packs of 32k', () => {
    expect(PAPER_PROFILE).toMatchObject({
      model: { id: 'Qwen/QwQ-32B' },
      optimizer: { learningRate: 7e-6, maxGradNorm: 1 },
      schedule: { scheduler: 'cosine', warmupRatio: 0.03, epochs: 3 },
      batch: { globalBatch: 128, unit: 'packs', microBatchPerGpu: 1 },
      sequence: { maxSampleTokens: 16_384, packing: true, packTokens: 32_768 },
      precision: 'bf16',
      gradientCheckpointing: true,
      cluster: { nodes: 4, gpusPerNode: 8 },
    });
    expect(batchGeometry(PAPER_PROFILE)).toEqual({ worldSize: 32, microBatchPerGpu: 1, gradientAccumulationSteps: 4, trainBatchSize: 128 });
    const ds = buildDeepSpeedConfig(PAPER_PROFILE);
    expect(ds).toMatchObject({
      train_batch_size: 128,
      train_micro_batch_size_per_gpu: 1,
      gradient_accumulation_steps: 4,
      gradient_clipping: 1,
      bf16: { enabled: true },
      zero_optimization: {
        stage: 3,
        reduce_bucket_size: 26_214_400,
        stage3_prefetch_bucket_size: 23_592_960,
        stage3_param_persistence_threshold: 51_200,
        stage3_gather_16bit_weights_on_model_save: true,
        offload_optimizer: { device: 'none' },
      },
    });
    expect(ds).not.toHaveProperty('optimizer');
    expect(ds).not.toHaveProperty('scheduler');
    expect(() => validateDeepSpeedConfig(ds, 32)).not.toThrow();
  });

  it('schedules steps in packs: ceil(4000 / 128) x 3 epochs, warmup ceil(3%)', () => {
    const plan = planLaunch({ runId: 'r', profile: PAPER_PROFILE, manifest: fakeManifest() });
    expect(plan.schedule).toEqual({ unitsPerEpoch: 4000, stepsPerEpoch: 32, totalSteps: 96, warmupSteps: 3, samplesPerStep: 320 });
    expect(plan.trainingArgs).toMatchObject({
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 4,
      warmup_steps: 3,
      max_length: 32_768,
      learning_rate: 7e-6,
    });
    const unpacked = parseProfile({ batch: { unit: 'samples' }, sequence: { packing: false } });
    expect(planLaunch({ runId: 'r', profile: unpacked, manifest: fakeManifest() }).schedule).toMatchObject({
      unitsPerEpoch: 10_000,
      stepsPerEpoch: 79,
      totalSteps: 237,
    });
  });

  it('names the field when the global batch does not divide by micro x world', () => {
    const profile = parseProfile({ batch: { globalBatch: 100 } });
    expect(() => batchGeometry(profile)).toThrow(InputError);
    expect(() => batchGeometry(profile)).toThrow(
      'batch.globalBatch: 100 is not divisible by batch.microBatchPerGpu (1) x world size (32 = cluster.nodes 4 x cluster.gpusPerNode 8) = 32; DeepSpeed needs train_batch_size = micro x gradient_accumulation_steps x world_size (use 96 or 128)',
    );
    expect(() => batchGeometry(parseProfile({ batch: { microBatchPerGpu: 3 } }))).toThrow(
      /by batch.microBatchPerGpu \(3\) x world size \(32 .*\) = 96/,
    );
    expect(() => batchGeometry(parseProfile({ cluster: { nodes: 3, gpusPerNode: 6 } }))).toThrow(
      /world size \(18 = cluster.nodes 3 x cluster.gpusPerNode 6\)/,
    );
  });

  it('rejects a DeepSpeed config whose batch fields disagree, naming the field', () => {
    const ds = { ...buildDeepSpeedConfig(PAPER_PROFILE), gradient_accumulation_steps: 2 };
    expect(() => validateDeepSpeedConfig(ds, 32)).toThrow(
      'deepspeed config: train_batch_size 128 != train_micro_batch_size_per_gpu 1 x gradient_accumulation_steps 2 x world_size 32 (= 64)',
    );
    expect(() => validateDeepSpeedConfig({ ...ds, train_batch_size: 'auto' }, 32)).toThrow(
      /train_batch_size must be a positive integer, got "auto"/,
    );
  });

  it('refuses ambiguous or inconsistent profiles', () => {
    expect(() => parseProfile({ batch: { unit: 'samples' } })).toThrow(/batch.unit: "samples" needs sequence.packing: false/);
    expect(() => parseProfile({ optimizer: { learningRate: -1 } })).toThrow(/training profile: optimizer.learningRate/);
    expect(() =>
      planLaunch({ runId: 'r', profile: parseProfile({ sequence: { maxSampleTokens: 8192 } }), manifest: fakeManifest() }),
    ).toThrow(/sequence.maxSampleTokens: 8192 is below the dataset's limit 16384/);
  });
});
