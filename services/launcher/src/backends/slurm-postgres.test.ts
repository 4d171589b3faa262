import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTrainingRun, insertTrainingRun, isFinishedTrainingRun, listActiveTrainingRuns, trainingRunEvents } from '@rft/db';
import { createJobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { createLauncher } from '../launcher.ts';
import { launchRun, pollRuns } from '../run-jobs.ts';
import { ledgerDataset } from '../testing/ledger-dataset.ts';
import { createSlurmBackend } from './slurm.ts';

// A real single-node Slurm started by infra/local/slurm.sh (needs root), runs recorded in a real Postgres.
const isRoot = process.getuid?.() === 0;
const slurmScript = fileURLToPath(new URL('../../../../infra/local/slurm.sh', import.meta.url));

let env: TestEnv;
let dataset: Awaited<ReturnType<typeof ledgerDataset>>;
let scratch: string;

beforeAll(async () => {
  if (!isRoot) return;
  await promisify(execFile)('bash', [slurmScript, 'start'], { timeout: 540_000 });
  env = await createTestEnv();
  dataset = await ledgerDataset(env.db, env.store);
  scratch = await mkdtemp(join(tmpdir(), 'rft-slurm-pg-test-'));
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
  return { db: env.db, log: silentLogger(), launcher: createLauncher({ store: env.store, backends: { slurm: backend } }) };
}

/** A run as the API records it: `submitting`, then the launch job. */
async function recordAndLaunch(deps: ReturnType<typeof launcherFor>, profile: Record<string, unknown>) {
  const id = randomUUID();
  await insertTrainingRun(env.db, {
    id,
    datasetId: dataset.datasetId,
    backend: 'slurm',
    profile,
    config: {},
    createdBy: 'test',
    at: new Date(),
  });
  return (await launchRun(deps, id, { isLastAttempt: true }))!;
}

describe.skipIf(!isRoot)('Slurm runs tracked in Postgres', () => {
  it('the poller follows a one-node, one-process run to succeeded; every change is an event', async () => {
    const deps = launcherFor();
    const run = await recordAndLaunch(deps, { cluster: { nodes: 1, gpusPerNode: 1 } });
    expect(run).toMatchObject({ status: 'pending', externalId: expect.stringMatching(/^\d+$/) });
    expect(run.config['geometry']).toEqual({ worldSize: 1, microBatchPerGpu: 1, gradientAccumulationSteps: 128, trainBatchSize: 128 });

    const queues = createJobQueues(env.redis, env.queuePrefix);
    try {
      for (;;) {
        await pollRuns({ ...deps, queues }, { resubmitAfterMs: 60_000 });
        const current = await getTrainingRun(env.db, run.id);
        if (current && isFinishedTrainingRun(current.status)) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await queues.close();
    }
    const out = await readFile(join(scratch, 'jobs', run.id, `slurm-${run.externalId}.out`), 'utf8');
    const row = await getTrainingRun(env.db, run.id);
    expect(row, out).toMatchObject({ status: 'succeeded', externalId: run.externalId, error: null });
    expect(row?.finishedAt).toBeInstanceOf(Date);
    expect(out).toContain(
      `preflight ok: run ${run.id}, dataset ${dataset.datasetId}, 1 files verified, world 1, train_batch_size 128 = 1 x 128 x 1`,
    );
    const events = await trainingRunEvents(env.db, run.id);
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe('submitting');
    expect(statuses[1]).toBe('pending');
    expect(events.at(-1)).toMatchObject({ status: 'succeeded', detail: { backend: 'JobState=COMPLETED ExitCode=0:0' } });
    expect(new Set(statuses).size).toBe(statuses.length);
    expect((await listActiveTrainingRuns(env.db)).map((r) => r.id)).not.toContain(run.id);
  });

  it('records an sbatch refusal as rejected with the scheduler reason and no external id', async () => {
    const run = await recordAndLaunch(launcherFor('gpu-a100'), { cluster: { nodes: 1, gpusPerNode: 1 } });
    expect(run).toMatchObject({
      status: 'rejected',
      externalId: null,
      error: expect.stringContaining('invalid partition specified: gpu-a100'),
    });
    expect((await trainingRunEvents(env.db, run.id)).map((e) => e.status)).toEqual(['submitting', 'rejected']);
  });
});

if (!isRoot) it('skips the Slurm + Postgres tests: not root, cannot start Slurm', () => expect(isRoot).toBe(false));
