import { createJobWorker, DelayedError, workerLifecycle, type JobQueues } from '@rft/queue';
import type { Redis } from 'ioredis';
import { cancelRun, launchRun, pollRuns, type RunJobDeps } from './run-jobs.ts';
import type { ServeDriver } from './serve/serve-driver.ts';
import { serveModelStep, type ServeJobSettings } from './serve/serve-model.ts';
import type { ServeBackend } from '@rft/pipeline';

export interface LauncherServiceDeps extends RunJobDeps {
  /** Where a run stranded in `submitting` has its launch job enqueued again. */
  queues: JobQueues;
  connection: Redis;
  queuePrefix: string;
  /** The serve backends this launcher runs (`serve-model` jobs); none: serve steps naming one fail. */
  serveDrivers?: Partial<Record<ServeBackend['type'], ServeDriver>>;
}

export interface LauncherServiceSettings {
  /** How often submitted, unfinished runs are polled. */
  pollIntervalMs: number;
  /** A run still `submitting` after this long has its launch job enqueued again. @defaultValue 5 minutes */
  resubmitAfterMs?: number;
  /** Launch and cancel jobs handled at once, each. @defaultValue 2 */
  concurrency?: number;
  /** Readiness timeout and re-check delays of serve steps. */
  serve?: ServeJobSettings;
}

/**
 * The one writer of training-run status: consumes `launch-run` and `cancel-run` jobs and polls every
 * submitted, unfinished run. Also runs serve steps (`serve-model` jobs) until their model is served. `close()` stops the poller, waits for its pass, then drains the workers.
 */
export function createLauncherService(deps: LauncherServiceDeps, settings: LauncherServiceSettings) {
  const opts = { concurrency: settings.concurrency ?? 2, lockDurationMs: 120_000 };
  const launchWorker = createJobWorker(
    'launch-run',
    (payload, ctx) => launchRun({ ...deps, log: deps.log.child({ job: ctx.job.id }) }, payload.runId, ctx).then(() => undefined),
    deps.connection,
    deps.queuePrefix,
    opts,
  );
  const cancelWorker = createJobWorker(
    'cancel-run',
    (payload, ctx) => cancelRun({ ...deps, log: deps.log.child({ job: ctx.job.id }) }, payload.runId).then(() => undefined),
    deps.connection,
    deps.queuePrefix,
    opts,
  );
  // A server still loading is checked again later: the job is parked in the delayed set, which
  // spends no attempt, so only real faults (Postgres down, a crash) count against its retries.
  const serveWorker = createJobWorker(
    'serve-model',
    async (payload, ctx) => {
      const log = deps.log.child({ job: ctx.job.id });
      const outcome = await serveModelStep({ db: deps.db, drivers: deps.serveDrivers ?? {}, log }, payload, settings.serve);
      if (outcome.status !== 'waiting') return;
      log.debug({ ...payload, detail: outcome.detail, recheckInMs: outcome.recheckInMs }, 'served model not ready yet');
      await ctx.job.moveToDelayed(Date.now() + outcome.recheckInMs, ctx.job.token);
      throw new DelayedError();
    },
    deps.connection,
    deps.queuePrefix,
    opts,
  );
  for (const worker of [launchWorker, cancelWorker, serveWorker])
    worker.on('error', (error) => deps.log.error({ err: error }, 'launcher worker error'));
  const workers = [workerLifecycle(launchWorker), workerLifecycle(cancelWorker), workerLifecycle(serveWorker)];

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const pollOnce = () => pollRuns(deps, { resubmitAfterMs: settings.resubmitAfterMs ?? 5 * 60_000 });
  const tick = () => {
    running = pollOnce()
      .catch((error: unknown) => deps.log.error({ err: error }, 'training run poll pass failed'))
      .finally(() => {
        running = null;
        if (timer) timer = setTimeout(tick, settings.pollIntervalMs);
      });
  };

  return {
    launchWorker,
    cancelWorker,
    serveWorker,
    pollOnce,
    async start(): Promise<void> {
      for (const worker of workers) await worker.start();
      timer = setTimeout(tick, 0);
    },
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      for (const worker of [...workers].reverse()) await worker.close();
    },
  };
}

export type LauncherService = ReturnType<typeof createLauncherService>;
