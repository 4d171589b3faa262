import { infrastructureFaultOf, type JobName, type JobPayload, type SharedResource } from '@rft/contracts';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_POLICIES, parsePayload } from './catalog.ts';
import { CircuitBreakers, waitUntil, type BreakerSettings } from './circuit-breakers.ts';

export { DelayedError, UnrecoverableError };

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
  /**
   * Shared resources this job needs. While one's breaker is open the job waits without running,
   * and a success closes them. Whatever the list, an `InfrastructureUnavailableError` thrown by
   * the handler trips its resource's breaker and sends the job back to wait: it never spends an
   * attempt, so attempts count only faults of the item itself.
   */
  resources?: readonly SharedResource[];
  breakerSettings?: BreakerSettings;
  /** Told when a job goes back to wait for a resource (for logs and metrics). */
  onWait?: (job: Job, resource: SharedResource, until: number, reason: string) => void;
}

/** Parks the job in the delayed set until `until`; BullMQ then neither fails it nor counts an attempt. */
async function waitFor(job: Job, token: string | undefined, until: number): Promise<never> {
  if (!token) throw new Error(`job ${job.id} has no lock token; cannot move it to delayed`);
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}

/** A BullMQ worker for one catalogued job; the payload is validated before the handler runs. */
export function createJobWorker<N extends JobName>(
  name: N,
  handler: JobHandler<N>,
  connection: Redis,
  prefix: string,
  opts: JobWorkerOptions,
): Worker {
  const breakers = new CircuitBreakers(connection, prefix, opts.breakerSettings);
  const resources = opts.resources ?? [];
  return new Worker(
    JOB_POLICIES[name].queue,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      for (const resource of resources) {
        const state = await breakers.state(resource);
        if (state.openUntil > 0) {
          const until = waitUntil(state);
          opts.onWait?.(job, resource, until, state.reason);
          await waitFor(job, token, until);
        }
      }
      const payload = (() => {
        try {
          return parsePayload(name, job.data);
        } catch (error) {
          throw new UnrecoverableError(`invalid ${name} payload: ${String(error)}`);
        }
      })();
      const attempts = job.opts.attempts ?? 1;
      try {
        await handler(payload, {
          job,
          signal: signal ?? new AbortController().signal,
          attemptsMade: job.attemptsMade + 1,
          isLastAttempt: job.attemptsMade + 1 >= attempts,
        });
      } catch (error) {
        const fault = infrastructureFaultOf(error);
        if (!fault || error instanceof UnrecoverableError) throw error;
        const state = await breakers.trip(fault.resource, fault.message);
        const until = waitUntil(state);
        opts.onWait?.(job, fault.resource, until, fault.message);
        await waitFor(job, token, until);
      }
      for (const resource of resources) await breakers.recordSuccess(resource);
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
