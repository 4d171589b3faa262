import { createJobWorker, workerLifecycle } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import { runCurateJob, type CurateJobDeps } from './curate-job.ts';
import { runSelectStepJob } from './pipeline-select/select-step-job.ts';

/** Consumes the curate and select-step queues. `close()` drains active jobs of both. */
export function createCuratorService(
  deps: CurateJobDeps & { connection: Redis; queuePrefix: string; log: Logger },
  settings: { concurrency: number },
) {
  const options = { concurrency: settings.concurrency, lockDurationMs: 120_000 };
  const worker = createJobWorker('curate', (payload, ctx) => runCurateJob(deps, payload, ctx), deps.connection, deps.queuePrefix, options);
  worker.on('error', (error) => deps.log.error({ err: error }, 'curate worker error'));
  const selectWorker = createJobWorker(
    'select-step',
    (payload, ctx) => runSelectStepJob(deps, payload, ctx),
    deps.connection,
    deps.queuePrefix,
    options,
  );
  selectWorker.on('error', (error) => deps.log.error({ err: error }, 'select-step worker error'));
  const curate = workerLifecycle(worker);
  const selectStep = workerLifecycle(selectWorker);
  return {
    worker,
    selectWorker,
    async start() {
      await Promise.all([curate.start(), selectStep.start()]);
    },
    async close() {
      await Promise.all([curate.close(), selectStep.close()]);
    },
  };
}
