import { createJobWorker, workerLifecycle } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import { runCurateJob, type CurateJobDeps } from './curate-job.ts';
import { runSelectStepJob } from './pipeline-select/select-step-job.ts';
import { runReviewImportJob } from './review/review-import-job.ts';

/** Consumes the curate, select-step and review-import queues. `close()` drains active jobs of all. */
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
  const reviewWorker = createJobWorker(
    'review-import',
    (payload, ctx) => runReviewImportJob(deps, payload, ctx),
    deps.connection,
    deps.queuePrefix,
    options,
  );
  reviewWorker.on('error', (error) => deps.log.error({ err: error }, 'review-import worker error'));
  const lifecycles = [worker, selectWorker, reviewWorker].map(workerLifecycle);
  return {
    worker,
    selectWorker,
    reviewWorker,
    async start() {
      await Promise.all(lifecycles.map((l) => l.start()));
    },
    async close() {
      await Promise.all(lifecycles.map((l) => l.close()));
    },
  };
}
