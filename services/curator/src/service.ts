import { createJobWorker } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import { runCurateJob, type CurateJobDeps } from './curate-job.ts';

/** Consumes the curate queue. `close()` drains active jobs. */
export function createCuratorService(
  deps: CurateJobDeps & { connection: Redis; queuePrefix: string; log: Logger },
  settings: { concurrency: number },
) {
  const worker = createJobWorker('curate', (payload, ctx) => runCurateJob(deps, payload, ctx), deps.connection, deps.queuePrefix, {
    concurrency: settings.concurrency,
    lockDurationMs: 120_000,
  });
  worker.on('error', (error) => deps.log.error({ err: error }, 'curate worker error'));
  return {
    worker,
    async start(): Promise<void> {
      void worker.run();
      await worker.waitUntilReady();
    },
    close: () => worker.close(),
  };
}
