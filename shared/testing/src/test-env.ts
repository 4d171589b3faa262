import { createDb, type Db } from '@rft/db';
import type { ObjectStore } from '@rft/storage';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import './provided-context.ts';
import { cloneDatabase, prepareTemplateDatabase } from './template-database.ts';
import { createTestStore, testS3Settings } from './test-store.ts';

export interface TestEnv {
  /** Unique per test file: database name, Redis prefix and S3 prefix all derive from it. */
  id: string;
  databaseUrl: string;
  db: Db;
  redisUrl: string;
  redis: Redis;
  queuePrefix: string;
  s3Endpoint: string;
  s3Prefix: string;
  store: ObjectStore;
  /** Env variables a service's main.ts would read to reach this isolated environment. */
  serviceEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An isolated environment on the real servers: its own database cloned from the migrated
 * template, its own BullMQ prefix and its own S3 prefix. Call in `beforeAll`, clean up in `afterAll`.
 */
export async function createTestEnv(): Promise<TestEnv> {
  const database = await cloneDatabase(ADMIN_URL, inject('templateDatabase')).catch(async (error: { code?: string }) => {
    // Another test run on the same server may have dropped the template (older fixtures did): rebuild it.
    if (error.code !== '3D000') throw error;
    return cloneDatabase(ADMIN_URL, await prepareTemplateDatabase(ADMIN_URL));
  });
  const id = database.name;
  const db = createDb({ url: database.url, poolSize: 5 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queuePrefix = `test-${id}`;
  const s3Endpoint = inject('s3Endpoint');
  const s3Prefix = `test/${id}`;
  const testStore = createTestStore(s3Endpoint, s3Prefix);
  const s3 = testS3Settings(s3Endpoint, s3Prefix);
  return {
    id,
    databaseUrl: database.url,
    db,
    redisUrl: REDIS_URL,
    redis,
    queuePrefix,
    s3Endpoint,
    s3Prefix,
    store: testStore.store,
    serviceEnv: {
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: s3.bucket,
      S3_PREFIX: s3Prefix,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_LEVEL: 'warn',
      // model-sim listens on 127.0.0.1; campaigns in tests name it as their endpoint.
      INFERENCE_ENDPOINT_ALLOWLIST: '127.0.0.1',
    },
    async cleanup() {
      await deleteRedisPrefix(redis, queuePrefix);
      redis.disconnect();
      await testStore.cleanup();
      await db.destroy();
      await database.drop();
    },
  };
}

/** Deletes every key under a BullMQ prefix. */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
