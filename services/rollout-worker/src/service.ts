import type { Db } from '@rft/db';
import { createJobWorker, type JobQueues } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import type { CampaignSpec } from '@rft/contracts';
import type { RolloutEngine } from './engine/index.ts';
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
}

export interface RolloutWorkerSettings {
  concurrency: number;
  lockDurationMs: number;
  heartbeatMs?: number;
}

/** Consumes the rollout queue: one job per question and stage. `close()` drains active jobs. */
export function createRolloutWorker(deps: RolloutWorkerDeps, settings: RolloutWorkerSettings) {
  const engines = new Map<string, RolloutEngine>();
  const engineFor = (spec: CampaignSpec): RolloutEngine => {
    const endpoints = spec.model.endpoints?.length ? spec.model.endpoints : deps.defaultEndpoints;
    if (endpoints.length === 0) throw new Error('no inference endpoints: set model.endpoints in the campaign or INFERENCE_ENDPOINTS');
    const cacheKey = `${spec.model.name}|${[...endpoints].sort().join(',')}`;
    let engine = engines.get(cacheKey);
    if (!engine) {
      engine = deps.createEngine(endpoints, spec.model.name);
      engines.set(cacheKey, engine);
    }
    return engine;
  };
  const worker = createJobWorker(
    'rollout',
    (payload, ctx) =>
      runRolloutJob(
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
      ),
    deps.connection,
    deps.queuePrefix,
    { concurrency: settings.concurrency, lockDurationMs: settings.lockDurationMs },
  );
  worker.on('error', (error) => deps.log.error({ err: error }, 'rollout worker error'));
  return {
    worker,
    async start(): Promise<void> {
      void worker.run();
      await worker.waitUntilReady();
    },
    async close(): Promise<void> {
      await worker.close();
      await Promise.all([...engines.values()].map((e) => e.close()));
    },
  };
}
