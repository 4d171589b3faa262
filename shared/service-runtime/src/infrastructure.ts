import type { InfrastructureConfig } from '@rft/config';
import { createDb, type Db } from '@rft/db';
import { assertNoEviction, waitUntilReady, createJobQueues, createRedisConnection, type JobQueues } from '@rft/queue';
import { createS3Client, createS3ObjectStore, type ObjectStore } from '@rft/storage';
import { createMetricsServer, type Registry } from '@rft/telemetry';
import type { Redis } from 'ioredis';
import type { Component } from './run-service.ts';

export interface Infrastructure {
  db: Db;
  /** For BullMQ workers (blocking commands, never gives up). */
  workerConnection: Redis;
  queues: JobQueues;
  store: ObjectStore;
  /** Closes connections; the last component to close. */
  component: Component;
}

/** The ledger, the queue and the object store as every service reaches them. Called from main.ts. */
export function connectInfrastructure(config: InfrastructureConfig, service: string): Infrastructure {
  const db = createDb({ url: config.databaseUrl, poolSize: config.databasePoolSize, applicationName: `rft-${service}` });
  const producer = createRedisConnection(config.redisUrl, 'producer');
  const workerConnection = createRedisConnection(config.redisUrl, 'worker');
  const queues = createJobQueues(producer, config.queuePrefix);
  const s3 = createS3Client(config.s3);
  const store = createS3ObjectStore(s3, config.s3);
  return {
    db,
    workerConnection,
    queues,
    store,
    component: {
      name: 'connections',
      // Fail at start, loudly, on a Redis that would evict BullMQ's keys.
      async start() {
        await waitUntilReady(producer);
        await assertNoEviction(producer, false);
      },
      async close() {
        await queues.close();
        producer.disconnect();
        workerConnection.disconnect();
        s3.destroy();
        await db.destroy();
      },
    },
  };
}

/** The service's /metrics and /healthz endpoint as a component. */
export function metricsComponent(registry: Registry, config: Pick<InfrastructureConfig, 'metricsPort' | 'metricsHost'>): Component {
  const server = createMetricsServer(registry);
  return {
    name: 'metrics',
    start: () => server.start(config.metricsPort, config.metricsHost).then(() => {}),
    close: () => server.close(),
  };
}
