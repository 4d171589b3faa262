import { describe, expect, it } from 'vitest';
import { ConfigError } from '@rft/config';
import { launcherConfig } from './config.ts';

describe('launcherConfig', () => {
  it('enables only the backends whose settings are complete', () => {
    const bare = launcherConfig({});
    expect(bare).toMatchObject({ pollIntervalMs: 30_000, slurm: undefined, kubernetes: undefined });
    const full = launcherConfig({
      SLURM_JOB_ROOT: '/shared/jobs',
      SLURM_DATASET_ROOT: '/shared/datasets',
      SLURM_REQUEST_GPUS: 'false',
      K8S_NAMESPACE: 'training',
      K8S_TRAINING_IMAGE: 'train:1',
      K8S_TOOLS_IMAGE: 'rft:1',
    });
    expect(full.slurm).toMatchObject({
      jobRoot: '/shared/jobs',
      datasetRoot: '/shared/datasets',
      requestGpus: false,
      partition: undefined,
    });
    expect(full.kubernetes).toEqual({ namespace: 'training', trainingImage: 'train:1', toolsImage: 'rft:1', s3SecretName: 'rft-s3' });
  });

  it('names the variables of a half-configured backend or a bad value', () => {
    expect(() => launcherConfig({ SLURM_JOB_ROOT: '/shared/jobs' })).toThrow(/SLURM_JOB_ROOT \/ SLURM_DATASET_ROOT: set both/);
    expect(() => launcherConfig({ K8S_NAMESPACE: 'training' })).toThrow(ConfigError);
    expect(() => launcherConfig({ LAUNCHER_POLL_INTERVAL_MS: '10' })).toThrow(/LAUNCHER_POLL_INTERVAL_MS/);
    expect(() => launcherConfig({ SLURM_REQUEST_GPUS: 'maybe' })).toThrow(/SLURM_REQUEST_GPUS/);
  });
});
