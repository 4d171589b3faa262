import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * User + system CPU seconds a process has used so far; with `withReapedChildren`, plus what its
 * exited and reaped children used (a fork server's per-run processes).
 */
export function cpuSeconds(pid: number, withReapedChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (withReapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by every process whose command name is `comm` (e.g. all Postgres
 * backends), by pid. Shared servers: other work on the machine is counted too.
 */
export function cpuSecondsByCommand(comm: string, withReapedChildren = false): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    const cpu = cpuSeconds(Number(entry), withReapedChildren);
    if (cpu !== null) byPid.set(Number(entry), cpu);
  }
  return byPid;
}

/** Accumulates the CPU of a changing set of processes (backends come and go) from a baseline. */
export class CommandCpu {
  readonly #baseline: Map<number, number>;
  readonly #latest = new Map<number, number>();
  readonly comm: string;
  readonly #withReapedChildren: boolean;
  constructor(comm: string, withReapedChildren = false) {
    this.comm = comm;
    this.#withReapedChildren = withReapedChildren;
    this.#baseline = cpuSecondsByCommand(comm, withReapedChildren);
  }
  sample(): void {
    for (const [pid, cpu] of cpuSecondsByCommand(this.comm, this.#withReapedChildren)) this.#latest.set(pid, cpu);
  }
  /** CPU seconds since the baseline (a process that exited between samples loses its last interval). */
  get seconds(): number {
    let total = 0;
    for (const [pid, cpu] of this.#latest) total += cpu - (this.#baseline.get(pid) ?? 0);
    return total;
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

/** Anonymous memory of a process in bytes (`/proc/<pid>/smaps_rollup`): heaps, not mapped files. */
export function anonymousBytes(pid: number): number | null {
  try {
    const m = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface NodeMemory {
  /** V8 heap in use (`nodejs_heap_size_used_bytes`). */
  heapUsed: number;
  /** V8 heap reserved (`nodejs_heap_size_total_bytes`). */
  heapTotal: number;
  /** Buffers and other memory V8 is told about outside its heap (`nodejs_external_memory_bytes`). */
  external: number;
}

/** A service's V8 memory from its Prometheus endpoint, or null if it cannot be read. */
export async function nodeMemory(metricsUrl: string): Promise<NodeMemory | null> {
  try {
    const body = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) })).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(body)?.[1] ?? Number.NaN);
    const memory = {
      heapUsed: gauge('nodejs_heap_size_used_bytes'),
      heapTotal: gauge('nodejs_heap_size_total_bytes'),
      external: gauge('nodejs_external_memory_bytes'),
    };
    return Number.isNaN(memory.heapUsed) ? null : memory;
  } catch {
    return null;
  }
}

/** `nodejs_heap_size_used_bytes` from a service's Prometheus endpoint, or null if it cannot be read. */
export async function heapUsedBytes(metricsUrl: string): Promise<number | null> {
  return (await nodeMemory(metricsUrl))?.heapUsed ?? null;
}

/** Mean of the first and last quarter of a series and the growth between them. */
export function quarterGrowth(series: readonly number[]): { first: number; last: number; growth: number } {
  const q = Math.max(1, Math.floor(series.length / 4));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const first = mean(series.slice(0, q));
  const last = mean(series.slice(-q));
  return { first, last, growth: first > 0 ? last / first - 1 : 0 };
}
