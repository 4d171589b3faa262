import type { Db } from '@rft/db';
import { createJobWorker, workerLifecycle, type JobQueues } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import type { CampaignSpec, EndpointAllowlist } from '@rft/contracts';
import { campaignEndpoints } from './campaign-endpoints.ts';
import type { RolloutEngine } from './engine/index.ts';
import { JobConcurrency } from './job-concurrency.ts';
import { runRolloutJob } from './rollout-job.ts';

export interface RolloutWorkerDeps {
  db: Db;
  store: ObjectStore;
  queues: JobQueues;
  connection: Redis;
  queuePrefix: string;
  log: Logger;
  workerId: string;
  /** Builds the engine for a set of endpoints; engines are cached per endpoint set. */
  createEngine(endpoints: readonly string[], model: string): RolloutEngine;
  defaultEndpoints: readonly string[];
  /** Where a campaign's own `model.endpoints` may point (see campaignEndpoints). */
  endpointAllowlist: EndpointAllowlist;
}

export interface RolloutWorkerSettings {
  /** The most questions in flight at once; fewer while the engines' capacity says so. */
  concurrency: number;
  lockDurationMs: number;
  heartbeatMs?: number;
}

/** Consumes the rollout queue: one job per question and stage. `close()` drains active jobs. */
export function createRolloutWorker(deps: RolloutWorkerDeps, settings: RolloutWorkerSettings) {
  const engines = new Map<string, RolloutEngine>();
  const engineFor = (spec: CampaignSpec): RolloutEngine => {
    const endpoints = campaignEndpoints(spec, deps.defaultEndpoints, deps.endpointAllowlist);
    const cacheKey = `${spec.model.name}|${[...endpoints].sort().join(',')}`;
    let engine = engines.get(cacheKey);
    if (!engine) {
      engine = deps.createEngine(endpoints, spec.model.name);
      engines.set(cacheKey, engine);
    }
    return engine;
  };
  // In-flight trajectories, not jobs, are the unit of load (see JobConcurrency).
  const jobConcurrency = new JobConcurrency(settings.concurrency);
  let activeJobs = 0;
  const adaptConcurrency = () => {
    if (engines.size === 0) return;
    let sampleLimit = 0;
    let samplesInFlight = 0;
    for (const engine of engines.values()) {
      const capacity = engine.capacity();
      sampleLimit += capacity.limit;
      samplesInFlight += capacity.inFlight;
    }
    const target = jobConcurrency.observe({ sampleLimit, samplesInFlight, activeJobs });
    if (worker.concurrency !== target) worker.concurrency = target;
  };
  // A replica this worker saw down and its probe brought back is proof inference serves again:
  // it closes the shared breaker at once instead of every waiting job sitting out the open period.
  const wasDown = new Set<string>();
  const watchRecoveries = () => {
    for (const engine of engines.values()) {
      for (const replica of engine.replicas()) {
        if (replica.health === 'down') wasDown.add(replica.url);
        else if (wasDown.delete(replica.url)) {
          deps.queues.breakers
            .recordSuccess('inference')
            .catch((error: unknown) => deps.log.warn({ err: error }, 'could not close the inference breaker'));
          deps.log.info({ replica: replica.url }, 'replica back up; inference breaker closed');
        }
      }
    }
  };
  const worker = createJobWorker(
    'rollout',
    async (payload, ctx) => {
      activeJobs++;
      try {
        return await runRolloutJob(
          {
            db: deps.db,
            store: deps.store,
            queues: deps.queues,
            engineFor,
            workerId: deps.workerId,
            log: deps.log,
            heartbeatMs: settings.heartbeatMs,
          },
          payload,
          ctx,
        );
      } finally {
        activeJobs--;
      }
    },
    deps.connection,
    deps.queuePrefix,
    {
      concurrency: settings.concurrency,
      lockDurationMs: settings.lockDurationMs,
      resources: ['inference', 'sandbox', 'object-store'],
      onWait: (job, resource, until, reason) =>
        deps.log.warn({ job: job.id, resource, until: new Date(until).toISOString(), reason }, 'rollout job waits for infrastructure'),
    },
  );
  worker.on('error', (error) => deps.log.error({ err: error }, 'rollout worker error'));
  const lifecycle = workerLifecycle(worker);
  let adaptTimer: NodeJS.Timeout | undefined;
  return {
    worker,
    async start(): Promise<void> {
      adaptTimer = setInterval(() => {
        adaptConcurrency();
        watchRecoveries();
      }, 1000);
      adaptTimer.unref();
      await lifecycle.start();
    },
    async close(): Promise<void> {
      clearInterval(adaptTimer);
      await lifecycle.close();
      await Promise.all([...engines.values()].map((e) => e.close()));
    },
  };
}
