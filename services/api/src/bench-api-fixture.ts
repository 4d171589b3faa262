// The API on its own database, Redis prefix and an unreachable object store, for benchmarks that
// time what it answers (status views, the CLI against it); `close` removes everything it made.
import { createDb, type Db } from '@rft/db';
import { createJobQueues, createRedisConnection } from '@rft/queue';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { silentLogger } from '@rft/telemetry';
import { cloneDatabase, deleteRedisPrefix, prepareTemplateDatabase } from '@rft/testing';
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './api-deps.ts';
import { buildApp } from './build-app.ts';

export interface BenchApi {
  app: FastifyInstance;
  db: Db;
  close(): Promise<void>;
}

export async function createBenchApi(options: Partial<ApiOptions> = {}): Promise<BenchApi> {
  const admin = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = await cloneDatabase(admin, await prepareTemplateDatabase(admin));
  const db = createDb({ url: database.url, poolSize: 4 });
  const redis = createRedisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
  const prefix = `bench-${database.name}`;
  const queues = createJobQueues(redis, prefix);
  const s3 = createS3Client({ region: 'us-east-1', bucket: 'unused', forcePathStyle: true, endpoint: 'http://127.0.0.1:1' });
  const app = await buildApp({
    db,
    queues,
    store: createS3ObjectStore(s3, { bucket: 'unused' }),
    presign: async () => '',
    log: silentLogger(),
    options: { queueBoard: false, ...options },
  });
  return {
    app,
    db,
    async close() {
      await app.close();
      await queues.close();
      await deleteRedisPrefix(redis, prefix);
      redis.disconnect();
      s3.destroy();
      await db.destroy();
      await database.drop();
    },
  };
}
