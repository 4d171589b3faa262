import type { Db } from '@rft/db';
import { createJobWorker, workerLifecycle } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import { runGradeJob, type SampleGrader } from './grade-job.ts';
import type { GraderMetrics } from './grader-metrics.ts';

export interface GraderServiceDeps {
  db: Db;
  store: ObjectStore;
  grader: SampleGrader;
  connection: Redis;
  queuePrefix: string;
  log: Logger;
  metrics?: GraderMetrics;
}

/** Consumes the grade queue. `close()` drains active jobs. */
export function createGraderService(deps: GraderServiceDeps, settings: { concurrency: number; lockDurationMs: number }) {
  const worker = createJobWorker('grade', (payload, ctx) => runGradeJob(deps, payload, ctx), deps.connection, deps.queuePrefix, {
    concurrency: settings.concurrency,
    lockDurationMs: settings.lockDurationMs,
  });
  worker.on('error', (error) => deps.log.error({ err: error }, 'grade worker error'));
  return { worker, ...workerLifecycle(worker) };
}
