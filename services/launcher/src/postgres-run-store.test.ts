import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@rft/contracts';
import type { BuildDatasetResult } from '@rft/curator';
import { getTrainingRun, trainingRunEvents } from '@rft/db';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { createBundleBackend } from './backends/bundle.ts';
import { SubmissionRejectedError, type LaunchBackend } from './backends/launch-backend.ts';
import { createLauncher } from './launcher.ts';
import { createPostgresRunStore, fromDbStatus, toDbStatus } from './postgres-run-store.ts';
import { RunTransitionError, type RunState, type RunStore } from './run-store.ts';
import { ledgerDataset } from './testing/ledger-dataset.ts';

let env: TestEnv;
let dataset: BuildDatasetResult;
let runStore: RunStore;

beforeAll(async () => {
  env = await createTestEnv();
  dataset = await ledgerDataset(env.db, env.store);
  runStore = createPostgresRunStore(env.db, { createdBy: 'launch-test' });
});
afterAll(async () => {
  await env?.cleanup();
});

const refusing: LaunchBackend = {
  kind: 'slurm',
  async submit() {
    throw new SubmissionRejectedError('slurm', 'Requested node configuration is not available');
  },
  async status() {
    throw new Error('never submitted');
  },
  async cancel() {
    throw new Error('never submitted');
  },
};

function launcherWith(backends: Parameters<typeof createLauncher>[0]['backends']) {
  return createLauncher({ store: env.store, runStore, backends });
}

describe('Postgres RunStore', () => {
  it('maps every launcher state onto the lowercase status column and back', () => {
    const states: RunState[] = ['SUBMITTING', 'REJECTED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'UNKNOWN'];
    for (const state of states) expect(fromDbStatus(toDbStatus(state))).toBe(state);
  });

  it('stores the exact plan and profile, and appends one event per status change up to a final state', async () => {
    const launcher = launcherWith({ bundle: createBundleBackend({ store: env.store }) });
    const run = await launcher.launch({
      datasetId: dataset.datasetId,
      backend: 'bundle',
      profile: { cluster: { nodes: 1, gpusPerNode: 8 } },
    });
    expect(run.state).toBe('UNKNOWN');
    expect(run.externalId).toBe(`training-bundles/${run.runId}`);

    const row = await getTrainingRun(env.db, run.runId);
    expect(row?.config).toEqual(JSON.parse(JSON.stringify(run.plan)));
    expect(row?.profile).toEqual(JSON.parse(JSON.stringify(run.plan.profile)));
    expect(row?.createdBy).toBe('launch-test');
    expect((await runStore.listActive()).map((r) => r.runId)).toContain(run.runId);

    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    await runStore.updateStatus(run.runId, 'RUNNING', 'squeue: RUNNING', t(1));
    await runStore.updateStatus(run.runId, 'RUNNING', 'still running', t(2));
    await runStore.updateStatus(run.runId, 'SUCCEEDED', 'JobState=COMPLETED ExitCode=0:0', t(3));
    // Finished: the same state again is a no-op, any other state is refused and changes nothing.
    await runStore.updateStatus(run.runId, 'SUCCEEDED', 'asked again', t(4));
    await expect(runStore.updateStatus(run.runId, 'FAILED', 'late report', t(5))).rejects.toThrow(RunTransitionError);
    await expect(runStore.updateStatus(run.runId, 'RUNNING', null, t(5))).rejects.toThrow(/SUCCEEDED -> RUNNING is not allowed/);

    const final = await runStore.get(run.runId);
    expect(final).toMatchObject({ state: 'SUCCEEDED', reason: 'JobState=COMPLETED ExitCode=0:0', updatedAt: t(3) });
    expect((await getTrainingRun(env.db, run.runId))?.finishedAt).toEqual(t(3));
    expect((await runStore.listActive()).map((r) => r.runId)).not.toContain(run.runId);
    const events = await trainingRunEvents(env.db, run.runId);
    expect(events.map((e) => e.status)).toEqual(['submitting', 'unknown', 'running', 'succeeded']);
    expect(events[1]?.detail).toEqual({ externalId: `training-bundles/${run.runId}` });
    expect(events[3]?.detail).toEqual({ reason: 'JobState=COMPLETED ExitCode=0:0' });
  });

  it('records a refused submission as rejected with the reason and no external id, never as started', async () => {
    const launcher = launcherWith({ slurm: refusing });
    const error = await launcher.launch({ datasetId: dataset.datasetId, backend: 'slurm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionRejectedError);
    const rows = await env.db.selectFrom('training_runs').selectAll().where('backend', '=', 'slurm').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'rejected', external_id: null, error: 'Requested node configuration is not available' });
    expect(rows[0]?.finished_at).not.toBeNull();
    const events = await trainingRunEvents(env.db, rows[0]!.id);
    expect(events.map((e) => e.status)).toEqual(['submitting', 'rejected']);
    expect(events.some((e) => ['pending', 'running'].includes(e.status))).toBe(false);
    // A rejected run cannot be marked submitted afterwards.
    await expect(runStore.markSubmitted(rows[0]!.id, '123', 'PENDING', new Date())).rejects.toThrow(/REJECTED -> PENDING is not allowed/);
  });

  it('lets exactly one of two concurrent final reports win', async () => {
    const runId = randomUUID();
    const launcher = createLauncher({
      store: env.store,
      runStore,
      backends: { bundle: createBundleBackend({ store: env.store }) },
      newRunId: () => runId,
    });
    await launcher.launch({ datasetId: dataset.datasetId, backend: 'bundle' });
    await runStore.updateStatus(runId, 'RUNNING', null, new Date());
    const results = await Promise.allSettled([
      runStore.updateStatus(runId, 'SUCCEEDED', 'a', new Date()),
      runStore.updateStatus(runId, 'FAILED', 'b', new Date()),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const events = await trainingRunEvents(env.db, runId);
    expect(events.filter((e) => e.status === 'succeeded' || e.status === 'failed')).toHaveLength(1);
  });

  it('names the field when the run id is not a UUID or the dataset is not registered', async () => {
    const plan = (await runStore.get((await env.db.selectFrom('training_runs').select('id').executeTakeFirstOrThrow()).id))!.plan;
    await expect(
      runStore.insert({ runId: 'run-abc', datasetId: dataset.datasetId, backend: 'bundle', plan, createdAt: new Date() }),
    ).rejects.toThrow(/runId: "run-abc" is not a UUID/);
    const unknown = runStore.insert({
      runId: randomUUID(),
      datasetId: 'ds-ffffffffffffffffffffffff',
      backend: 'bundle',
      plan,
      createdAt: new Date(),
    });
    await expect(unknown).rejects.toThrow(InputError);
    await expect(unknown).rejects.toThrow(/datasetId: ds-ffffffffffffffffffffffff is not a registered dataset version/);
    await expect(runStore.updateStatus(randomUUID(), 'RUNNING', null, new Date())).rejects.toThrow(/does not exist/);
  });
});
