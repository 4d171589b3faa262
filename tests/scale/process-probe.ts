import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Resident set size of a process in bytes (VmRSS), or null once it has exited. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Bytes Redis attributes to every key under `prefix:` (MEMORY USAGE summed), and the key count. */
export async function redisFootprint(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    for (const [, value] of (await pipeline.exec()) ?? []) bytes += typeof value === 'number' ? value : 0;
    keys += batch.length;
  } while (cursor !== '0');
  return { bytes, keys };
}

/** Mean of the first and last quarter of a series and the growth between them. */
export function quarterGrowth(series: readonly number[]): { first: number; last: number; growth: number } {
  const q = Math.max(1, Math.floor(series.length / 4));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const first = mean(series.slice(0, q));
  const last = mean(series.slice(-q));
  return { first, last, growth: first > 0 ? last / first - 1 : 0 };
}
