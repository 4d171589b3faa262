import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTrainingRun, trainingRunEvents } from '@rft/db';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { createLauncher } from '../launcher.ts';
import { createPostgresRunStore } from '../postgres-run-store.ts';
import { isTerminal, type RunStore } from '../run-store.ts';
import { createLauncherService } from '../service.ts';
import { ledgerDataset } from '../testing/ledger-dataset.ts';
import { SubmissionRejectedError } from './launch-backend.ts';
import { createSlurmBackend } from './slurm.ts';

// A real single-node Slurm started by infra/local/slurm.sh (needs root), runs recorded in a real Postgres.
const isRoot = process.getuid?.() === 0;
const slurmScript = fileURLToPath(new URL('../../../../infra/local/slurm.sh', import.meta.url));

let env: TestEnv;
let dataset: Awaited<ReturnType<typeof ledgerDataset>>;
let scratch: string;
let runStore: RunStore;

beforeAll(async () => {
  if (!isRoot) return;
  await promisify(execFile)('bash', [slurmScript, 'start'], { timeout: 540_000 });
  env = await createTestEnv();
  dataset = await ledgerDataset(env.db, env.store);
  scratch = await mkdtemp(join(tmpdir(), 'rft-slurm-pg-test-'));
  runStore = createPostgresRunStore(env.db);
}, 600_000);
afterAll(async () => {
  await env?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function launcherFor(partition?: string) {
  const backend = createSlurmBackend({
    jobRoot: join(scratch, 'jobs'),
    datasetRoot: join(scratch, 'datasets'),
    store: env.store,
    requestGpus: false,
    python: '/usr/bin/python3',
    tokenizerPath: dataset.tokenizerPath,
    ...(partition ? { partition } : {}),
  });
  return createLauncher({ store: env.store, runStore, backends: { slurm: backend } });
}

describe.skipIf(!isRoot)('Slurm runs tracked in Postgres', () => {
  it('the poller follows a one-node, one-process run to SUCCEEDED; every change is an event', async () => {
    const launcher = launcherFor();
    const run = await launcher.launch({
      datasetId: dataset.datasetId,
      backend: 'slurm',
      profile: { cluster: { nodes: 1, gpusPerNode: 1 } },
    });
    expect(run).toMatchObject({ state: 'PENDING', externalId: expect.stringMatching(/^\d+$/) });
    expect(run.plan.geometry).toEqual({ worldSize: 1, microBatchPerGpu: 1, gradientAccumulationSteps: 128, trainBatchSize: 128 });

    const poller = createLauncherService({ launcher, runStore, pollIntervalMs: 500 });
    for (;;) {
      await poller.pollOnce();
      const current = await runStore.get(run.runId);
      if (current && isTerminal(current.state)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const out = await readFile(join(scratch, 'jobs', run.runId, `slurm-${run.externalId}.out`), 'utf8');
    const row = await getTrainingRun(env.db, run.runId);
    expect(row, out).toMatchObject({ status: 'succeeded', externalId: run.externalId, error: 'JobState=COMPLETED ExitCode=0:0' });
    expect(row?.finishedAt).toBeInstanceOf(Date);
    expect(out).toContain(
      `preflight ok: run ${run.runId}, dataset ${dataset.datasetId}, 1 files verified, world 1, train_batch_size 128 = 1 x 128 x 1`,
    );
    const statuses = (await trainingRunEvents(env.db, run.runId)).map((e) => e.status);
    expect(statuses[0]).toBe('submitting');
    expect(statuses[1]).toBe('pending');
    expect(statuses.at(-1)).toBe('succeeded');
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(await runStore.listActive()).toEqual([]);
  });

  it('records an sbatch refusal as rejected with the scheduler reason and no external id', async () => {
    const error = await launcherFor('gpu-a100')
      .launch({ datasetId: dataset.datasetId, backend: 'slurm', profile: { cluster: { nodes: 1, gpusPerNode: 1 } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionRejectedError);
    const rows = await env.db.selectFrom('training_runs').selectAll().where('status', '=', 'rejected').execute();
    expect(rows).toMatchObject([{ external_id: null, error: expect.stringContaining('invalid partition specified: gpu-a100') }]);
    expect((await trainingRunEvents(env.db, rows[0]!.id)).map((e) => e.status)).toEqual(['submitting', 'rejected']);
  });
});

if (!isRoot) it('skips the Slurm + Postgres tests: not root, cannot start Slurm', () => expect(isRoot).toBe(false));
