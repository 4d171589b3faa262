import type { JobName, JobPayload } from '@rft/contracts';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_POLICIES, parsePayload } from './catalog.ts';

export { UnrecoverableError };

/** What a job handler gets besides its payload. */
export interface JobContext {
  job: Job;
  /** Aborted when the worker shuts down or the job is cancelled. */
  signal: AbortSignal;
  /** 1 on the first try. */
  attemptsMade: number;
  /** True when BullMQ will not retry this job if it throws now. */
  isLastAttempt: boolean;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<void>;

export interface JobWorkerOptions {
  concurrency: number;
  /** A worker that stops renewing its lock (killed, frozen) loses the job after this. */
  lockDurationMs?: number;
  /** Times a job may be picked up again after its worker vanished before it counts as failed. */
  maxStalledCount?: number;
}

/** A BullMQ worker for one catalogued job; the payload is validated before the handler runs. */
export function createJobWorker<N extends JobName>(
  name: N,
  handler: JobHandler<N>,
  connection: Redis,
  prefix: string,
  opts: JobWorkerOptions,
): Worker {
  return new Worker(
    JOB_POLICIES[name].queue,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const payload = (() => {
        try {
          return parsePayload(name, job.data);
        } catch (error) {
          throw new UnrecoverableError(`invalid ${name} payload: ${String(error)}`);
        }
      })();
      const attempts = job.opts.attempts ?? 1;
      await handler(payload, {
        job,
        signal: signal ?? new AbortController().signal,
        attemptsMade: job.attemptsMade + 1,
        isLastAttempt: job.attemptsMade + 1 >= attempts,
      });
    },
    {
      connection,
      prefix,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: Math.max(1000, Math.floor((opts.lockDurationMs ?? 30_000) / 2)),
      maxStalledCount: opts.maxStalledCount ?? 3,
      autorun: false,
    },
  );
}

/** A worker as a service component: `start()` begins consuming, `close()` drains active jobs. */
export function workerLifecycle(worker: Worker): { start(): Promise<void>; close(): Promise<void> } {
  return {
    async start() {
      void worker.run();
      await worker.waitUntilReady();
    },
    close: () => worker.close(),
  };
}
