import { randomUUID } from 'node:crypto';
import type { TrainingBackend } from '@rft/contracts';
import { getTrainingRun, insertTrainingRun, trainingRunEvents } from '@rft/db';
import { createJobQueues, UnrecoverableError, type JobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundleBackend } from './backends/bundle.ts';
import { SubmissionRejectedError, type LaunchBackend, type Submission } from './backends/launch-backend.ts';
import { createLauncher, type LaunchBackends } from './launcher.ts';
import { cancelRun, launchRun, pollRuns, type RunJobDeps } from './run-jobs.ts';
import { ledgerDataset } from './testing/ledger-dataset.ts';

let env: TestEnv;
let queues: JobQueues;
let datasetId: string;
beforeAll(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
  datasetId = (await ledgerDataset(env.db, env.store)).datasetId;
});
afterAll(async () => {
  await queues?.close();
  await env?.cleanup();
});

const deps = (backends: LaunchBackends): RunJobDeps => ({
  db: env.db,
  log: silentLogger(),
  launcher: createLauncher({ store: env.store, backends }),
});

async function recordRun(backend: TrainingBackend, profile: Record<string, unknown> = {}, at = new Date()): Promise<string> {
  const id = randomUUID();
  await insertTrainingRun(env.db, { id, datasetId, backend, profile, config: {}, createdBy: 'test', at });
  return id;
}

/** A Slurm-like backend whose submit does what the test says. */
function slurmThat(submit: () => Promise<Submission>): LaunchBackend & { cancelled: string[] } {
  const cancelled: string[] = [];
  return {
    kind: 'slurm',
    submit,
    status: async () => ({ status: 'pending', detail: null }),
    cancel: async (id) => {
      cancelled.push(id);
    },
    cancelled,
  };
}

describe('launch-run', () => {
  it('records a refusal before submission as rejected with the field named, and submits nothing', async () => {
    const backend = slurmThat(async () => ({ externalId: '1', status: 'pending' }));
    const badProfile = await recordRun('slurm', { batch: { globalBatch: 120 } });
    expect(await launchRun(deps({ slurm: backend }), badProfile, { isLastAttempt: false })).toMatchObject({
      status: 'rejected',
      externalId: null,
      error: expect.stringMatching(/batch.globalBatch: 120 is not divisible/),
    });
    const unconfigured = await recordRun('kubernetes');
    expect(await launchRun(deps({ slurm: backend }), unconfigured, { isLastAttempt: false })).toMatchObject({
      status: 'rejected',
      error: 'backend: "kubernetes" is not configured (configured: slurm)',
    });
    expect((await trainingRunEvents(env.db, unconfigured)).map((e) => e.status)).toEqual(['submitting', 'rejected']);
  });

  it("records the cluster's refusal with its reason and the plan it refused", async () => {
    const id = await recordRun('slurm');
    const run = await launchRun(
      deps({ slurm: slurmThat(() => Promise.reject(new SubmissionRejectedError('slurm', 'invalid partition specified'))) }),
      id,
      { isLastAttempt: false },
    );
    expect(run).toMatchObject({ status: 'rejected', error: 'invalid partition specified', config: { runId: id, datasetId } });
  });

  it('retries a transient fault and records it as failed on the last attempt', async () => {
    const id = await recordRun('slurm');
    const flaky = deps({ slurm: slurmThat(() => Promise.reject(new Error('slurmctld: connection refused'))) });
    await expect(launchRun(flaky, id, { isLastAttempt: false })).rejects.toThrow('connection refused');
    expect((await getTrainingRun(env.db, id))?.status).toBe('submitting');
    expect(await launchRun(flaky, id, { isLastAttempt: true })).toMatchObject({
      status: 'failed',
      error: 'submission failed: slurmctld: connection refused',
    });
  });

  it('is a no-op for a run already decided (a redelivered job submits nothing twice)', async () => {
    let submits = 0;
    const backend = slurmThat(async () => ({ externalId: String(++submits), status: 'pending' }));
    const id = await recordRun('slurm');
    await launchRun(deps({ slurm: backend }), id, { isLastAttempt: false });
    expect(await launchRun(deps({ slurm: backend }), id, { isLastAttempt: false })).toMatchObject({ status: 'pending', externalId: '1' });
    expect(submits).toBe(1);
  });

  it('stops the job it submitted when the run was cancelled meanwhile', async () => {
    const id = await recordRun('slurm');
    const backend = slurmThat(async () => {
      // The cancel job lands while sbatch runs.
      await cancelRun(deps({}), id);
      return { externalId: '77', status: 'pending' };
    });
    expect(await launchRun(deps({ slurm: backend }), id, { isLastAttempt: false })).toMatchObject({
      status: 'cancelled',
      externalId: null,
    });
    expect(backend.cancelled).toEqual(['77']);
  });
});

describe('cancel-run', () => {
  it("says the run was cancelled on request even when the poller recorded the cluster's CANCELLED first", async () => {
    // A cluster whose scancel takes effect at once: the poller's next look sees it cancelled.
    const state = { status: 'running' as 'running' | 'cancelled' };
    const backend: LaunchBackend = {
      kind: 'slurm',
      submit: async () => ({ externalId: '501', status: 'running' }),
      status: async () => ({ status: state.status, detail: state.status === 'cancelled' ? 'JobState=CANCELLED ExitCode=0:15' : null }),
      cancel: async () => {
        state.status = 'cancelled';
        // The poller runs between the backend's answer and the cancel job's own record.
        await pollRuns({ ...deps({ slurm: backend }), queues }, { resubmitAfterMs: 60_000 });
      },
    };
    const id = await recordRun('slurm');
    await launchRun(deps({ slurm: backend }), id, { isLastAttempt: false });
    const cancelled = await cancelRun(deps({ slurm: backend }), id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: 'cancelled on request (backend: JobState=CANCELLED ExitCode=0:15)' });
    expect((await getTrainingRun(env.db, id))?.error).toBe('cancelled on request (backend: JobState=CANCELLED ExitCode=0:15)');
    expect((await trainingRunEvents(env.db, id)).map((e) => e.status)).toEqual(['submitting', 'running', 'cancelled']);
  });

  it('records cancelled on request when it gets there first', async () => {
    const backend = slurmThat(async () => ({ externalId: '502', status: 'pending' }));
    const id = await recordRun('slurm');
    await launchRun(deps({ slurm: backend }), id, { isLastAttempt: false });
    expect(await cancelRun(deps({ slurm: backend }), id)).toMatchObject({ status: 'cancelled', error: 'cancelled on request' });
    expect(backend.cancelled).toEqual(['502']);
  });

  it('fails without retry for a backend that cannot cancel; the run keeps its status', async () => {
    const bundle = deps({ bundle: createBundleBackend({ store: env.store }) });
    const id = await recordRun('bundle');
    expect(await launchRun(bundle, id, { isLastAttempt: false })).toMatchObject({ status: 'unknown' });
    const error = await cancelRun(bundle, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toContain('a bundle run cannot be cancelled from here');
    expect((await getTrainingRun(env.db, id))?.status).toBe('unknown');
  });
});

describe('the poller', () => {
  it('enqueues the launch of a run stranded in submitting, and only that one', async () => {
    const stranded = await recordRun('bundle', {}, new Date(Date.now() - 10 * 60_000));
    const fresh = await recordRun('bundle');
    await pollRuns({ ...deps({ bundle: createBundleBackend({ store: env.store }) }), queues }, { resubmitAfterMs: 5 * 60_000 });
    expect(await queues.exists('launch-run', { runId: stranded })).toBe(true);
    expect(await queues.exists('launch-run', { runId: fresh })).toBe(false);
  });
});
