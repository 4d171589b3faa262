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
