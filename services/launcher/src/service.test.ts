import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { getTrainingRun, insertTrainingRun, trainingRunEvents, type TrainingRunRow } from '@rft/db';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { createLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LaunchBackend, StatusReport } from './backends/launch-backend.ts';
import { createLauncher } from './launcher.ts';
import { createLauncherService } from './service.ts';
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

/** A cluster whose answers are scripted per job (the service's loop is under test, not a scheduler). */
function scriptedCluster() {
  const answers = new Map<string, (StatusReport | Error)[]>();
  const cancelled: string[] = [];
  let next = 0;
  const backend: LaunchBackend = {
    kind: 'slurm',
    submit: async () => ({ externalId: String(++next), status: 'pending' }),
    status: async (externalId) => {
      const answer = answers.get(externalId)?.shift() ?? { status: 'pending', detail: 'squeue: PENDING' };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    cancel: async (externalId) => {
      cancelled.push(externalId);
      answers.set(externalId, [{ status: 'cancelled', detail: 'JobState=CANCELLED' }]);
    },
  };
  return { backend, answers, cancelled };
}

async function recordRun(): Promise<string> {
  const id = randomUUID();
  await insertTrainingRun(env.db, { id, datasetId, backend: 'slurm', profile: {}, config: {}, createdBy: 'test', at: new Date() });
  return id;
}

/** Waits for the service to move the run (bounded by the test timeout; no timing is asserted). */
async function until(runId: string, done: (run: TrainingRunRow) => boolean): Promise<TrainingRunRow> {
  for (;;) {
    const run = await getTrainingRun(env.db, runId);
    if (run && done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('start() consumes launch and cancel jobs and polls runs to their final status; close() releases the workers', async () => {
  const cluster = scriptedCluster();
  const lines: string[] = [];
  const log = createLogger('launcher-test', {
    destination: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  });
  const launcher = createLauncher({ store: env.store, backends: { slurm: cluster.backend } });
  const service = createLauncherService(
    { db: env.db, launcher, log, queues, connection: env.redis, queuePrefix: env.queuePrefix },
    { pollIntervalMs: 20 },
  );
  expect(service.launchWorker.isRunning()).toBe(false);
  await service.start();
  try {
    // start() leaves both job workers consuming before it returns.
    expect(service.launchWorker.isRunning()).toBe(true);
    expect(service.cancelWorker.isRunning()).toBe(true);
    // A launch job: planned from the dataset, submitted, recorded with the plan and the cluster's id.
    const polled = await recordRun();
    cluster.answers.set('1', [
      { status: 'running', detail: 'squeue: RUNNING' },
      new Error('slurmctld: connection refused'),
      { status: 'succeeded', detail: 'JobState=COMPLETED ExitCode=0:0' },
    ]);
    await queues.add('launch-run', { runId: polled });
    const submitted = await until(polled, (r) => r.status !== 'submitting');
    expect(submitted).toMatchObject({ externalId: '1', config: { runId: polled, datasetId } });
    // The poller follows it through an unreachable cluster to its final status.
    const finished = await until(polled, (r) => r.status === 'succeeded');
    expect(finished.finishedAt).toBeInstanceOf(Date);
    expect((await trainingRunEvents(env.db, polled)).map((e) => e.status)).toEqual(['submitting', 'pending', 'running', 'succeeded']);
    expect(lines.some((l) => l.includes('training run status poll failed') && l.includes('slurmctld: connection refused'))).toBe(true);

    // A cancel job: the backend is asked to stop the job, then the run is recorded cancelled.
    const stopped = await recordRun();
    await queues.add('launch-run', { runId: stopped });
    const live = await until(stopped, (r) => r.externalId !== null);
    await queues.add('cancel-run', { runId: stopped });
    // Whichever records it first, the cancel job or the poller seeing the cluster's CANCELLED state
    // (it runs every 20 ms here), the run ends cancelled, its reason naming the request.
    const cancelled = await until(stopped, (r) => r.status === 'cancelled' && r.error?.startsWith('cancelled on request') === true);
    expect(cancelled.error).toMatch(/^cancelled on request( \(backend: JobState=CANCELLED\))?$/);
    expect(cluster.cancelled).toEqual([live.externalId]);
  } finally {
    await service.close();
  }
  expect(service.launchWorker.isRunning()).toBe(false);
  expect(service.cancelWorker.isRunning()).toBe(false);
  // Nothing consumes jobs any more: a new launch stays waiting and its run stays submitting.
  const after = await recordRun();
  await queues.add('launch-run', { runId: after });
  expect(await (await queues.queue('launch-run').getJob(`l.${after}`))?.getState()).toBe('waiting');
  expect((await getTrainingRun(env.db, after))?.status).toBe('submitting');
});
