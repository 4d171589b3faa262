import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must never give up on a command (`maxRetriesPerRequest: null`);
 * producers fail fast instead of buffering commands while Redis is away.
 */
export function createRedisConnection(url: string, role: 'worker' | 'producer', opts: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role === 'worker',
    lazyConnect: false,
    ...opts,
  });
}

/** BullMQ needs `noeviction`: an evicting Redis silently deletes job locks and jobs. */
export async function assertNoEviction(redis: Redis, fix: boolean): Promise<void> {
  const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
  if (policy === 'noeviction') return;
  if (!fix) throw new Error(`Redis maxmemory-policy is "${policy}"; BullMQ requires "noeviction"`);
  await redis.config('SET', 'maxmemory-policy', 'noeviction');
}

/** Resolves once the connection is ready (producers have no offline queue to wait in). */
export async function waitUntilReady(redis: Redis, timeoutMs = 30_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs / 1000}s (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
