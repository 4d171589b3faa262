import { createDb } from '@rft/db';
import type { ObjectStore } from '@rft/storage';
import { expect, it } from 'vitest';
import { launcherConfig } from '../config.ts';
import { serveDriversFromConfig } from './serve-drivers-from-config.ts';

it('runs external always, slurm with the training settings, local only with a root; 30 minutes readiness unless set', async () => {
  const db = createDb({ url: 'postgres://unused@127.0.0.1:1/none', poolSize: 1 });
  try {
    // Never read here: the drivers are only listed, not run.
    const store = {} as ObjectStore;
    const bare = launcherConfig({});
    expect(bare.serve).toMatchObject({ readinessTimeoutMs: 30 * 60_000, localRoot: undefined });
    expect(Object.keys(serveDriversFromConfig(bare, db, store))).toEqual(['external']);
    const dev = launcherConfig({
      SLURM_JOB_ROOT: '/j',
      SLURM_DATASET_ROOT: '/d',
      SERVE_LOCAL_ROOT: '.local/serve',
      SERVE_READINESS_TIMEOUT_MS: '120000',
    });
    expect(dev.serve.readinessTimeoutMs).toBe(120_000);
    expect(Object.keys(serveDriversFromConfig(dev, db, store)).sort()).toEqual(['external', 'local', 'slurm']);
    expect(() => launcherConfig({ SERVE_READINESS_TIMEOUT_MS: '5' })).toThrow(/SERVE_READINESS_TIMEOUT_MS/);
  } finally {
    await db.destroy();
  }
});
