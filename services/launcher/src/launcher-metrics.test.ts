import { randomUUID } from 'node:crypto';
import { insertTrainingRun, transitionTrainingRun } from '@rft/db';
import { createMetricsRegistry } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerLauncherMetrics } from './launcher-metrics.ts';
import { ledgerDataset } from './testing/ledger-dataset.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => env?.cleanup());

test('reports training runs by status and backend from the ledger', async () => {
  const { datasetId } = await ledgerDataset(env.db, env.store);
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  for (const [i, id] of ids.entries())
    await insertTrainingRun(env.db, {
      id,
      datasetId,
      backend: i < 2 ? 'slurm' : 'bundle',
      profile: {},
      config: {},
      createdBy: 'test',
      at: new Date(),
    });
  await transitionTrainingRun(env.db, { id: ids[0]!, to: 'running', at: new Date() });
  const registry = createMetricsRegistry('launcher', { defaultMetrics: false });
  registerLauncherMetrics(registry, { db: env.db });
  const values = (await registry.getMetricsAsJSON()).find((m) => m.name === 'rft_training_runs')!.values;
  expect(Object.fromEntries(values.map((v) => [`${v.labels.backend}/${v.labels.status}`, v.value]))).toEqual({
    'slurm/running': 1,
    'slurm/submitting': 1,
    'bundle/submitting': 1,
  });
});
