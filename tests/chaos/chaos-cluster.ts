import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '@rft/testing/free-port';
import { join } from 'node:path';
import { createModelSim, type ModelSim } from '@rft/model-sim';
import type { TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { startInferenceFaultProxy } from './inference-fault-proxy.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every process of the pipeline except model-sim runs as its own child, so each can be SIGKILLed. */
export type Role = 'scheduler' | 'rollout-worker' | 'grader' | 'curator' | 'sandbox';

const ENTRY: Record<Role, string> = {
  scheduler: 'services/scheduler/src/main.ts',
  'rollout-worker': 'services/rollout-worker/src/main.ts',
  grader: 'services/grader/src/main.ts',
  curator: 'services/curator/src/main.ts',
  sandbox: 'services/sandbox/src/main.ts',
};

export interface ChaosClusterOptions {
  rolloutWorkers?: number;
  decodeTokensPerSecond?: number;
}

/** Pids of every process below `pid` (from /proc), deepest last. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited while listing
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/**
 * The whole pipeline on the test's isolated Postgres database, Redis prefix and S3 prefix:
 * model-sim in this process (fault injection), S3 behind a fault-injecting proxy, and scheduler,
 * rollout workers, grader, curator and sandbox as child processes with short lock and sweep times.
 */
export async function startChaosCluster(env: TestEnv, opts: ChaosClusterOptions = {}) {
  const sim: ModelSim = createModelSim({ port: 0, seed: 11, decodeTokensPerSecond: opts.decodeTokensPerSecond ?? 3000 });
  const { url: directSimUrl } = await sim.start();
  // Campaigns reach model-sim through a proxy that can take the replica down or break its 200s.
  const inference = await startInferenceFaultProxy(directSimUrl);
  const simUrl = inference.url;
  const s3 = await startFaultProxy(env.s3Endpoint);
  const sandboxPort = await freePort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const sandboxToken = randomBytes(24).toString('base64url');
  const children = new Map<Role, ChildProcess[]>();
  let logTail = '';

  const baseEnv: Record<string, string> = {
    ...env.serviceEnv,
    S3_ENDPOINT: s3.url,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    LOCK_DURATION_MS: '2000',
    LOST_JOB_GRACE_MS: '3000',
    SCHEDULER_TICK_MS: '200',
    ROLLOUT_WINDOW: '16',
    ROLLOUT_CONCURRENCY: '4',
    GRADER_CONCURRENCY: '4',
    DATABASE_POOL_SIZE: '4',
    SANDBOX_URL: sandboxUrl,
    SANDBOX_TOKEN: sandboxToken,
    INFERENCE_REQUEST_TIMEOUT_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '20000',
  };

  function start(role: Role): ChildProcess {
    const extra: Record<string, string> =
      role === 'sandbox'
        ? {
            SANDBOX_PORT: String(sandboxPort),
            SANDBOX_HOST: '127.0.0.1',
            SANDBOX_POOL_SIZE: '2',
            SANDBOX_TOKENS: JSON.stringify({ [sandboxToken]: { caller: 'chaos' } }),
          }
        : {};
    const child = spawn(process.execPath, [...(role === 'sandbox' ? SANDBOX_NODE_FLAGS : []), join(ROOT, ENTRY[role])], {
      env: { ...process.env, ...baseEnv, ...extra },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      logTail = (logTail + `[${role} ${child.pid}] ${chunk.toString('utf8')}`).slice(-12_000);
    });
    const list = children.get(role) ?? [];
    list.push(child);
    children.set(role, list);
    return child;
  }

  const alive = (role: Role) => (children.get(role) ?? []).filter((c) => c.exitCode === null && c.signalCode === null);

  async function waitHealthy(url: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(url);
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${url} did not become healthy\n${logTail}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  start('sandbox');
  await waitHealthy(`${sandboxUrl}/healthz`);
  start('scheduler');
  start('grader');
  start('curator');
  for (let i = 0; i < (opts.rolloutWorkers ?? 2); i++) start('rollout-worker');

  return {
    sim,
    simUrl,
    inference,
    s3,
    sandboxUrl,
    start,
    alive,
    logTail: () => logTail,
    /** SIGKILLs every live process of a role; returns how many died. */
    async kill(role: Role): Promise<number> {
      const victims = alive(role);
      await Promise.all(
        victims.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('exit', () => resolve());
              c.kill('SIGKILL');
            }),
        ),
      );
      return victims.length;
    },
    /** Stops (SIGSTOP) every live process of a role, as a frozen VM or a GC pause would; returns their pids. */
    freeze(role: Role, count = Number.POSITIVE_INFINITY): number[] {
      const pids = alive(role)
        .slice(0, count)
        .map((c) => c.pid!);
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      return pids;
    },
    thaw(pids: readonly number[]): void {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    },
    /** SIGKILLs the sandbox's fork servers (and their children), leaving the service to restart them. */
    killForkServers(): number {
      let n = 0;
      for (const c of alive('sandbox')) {
        for (const pid of descendants(c.pid!)) {
          try {
            process.kill(pid, 'SIGKILL');
            n += 1;
          } catch {
            // already gone
          }
        }
      }
      return n;
    },
    waitSandboxHealthy: () => waitHealthy(`${sandboxUrl}/healthz`),
    /** Deletes every Redis key of this environment's queue prefix (FLUSHALL scoped to the test). */
    async wipeRedis(): Promise<number> {
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await env.redis.scan(cursor, 'MATCH', `${env.queuePrefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) deleted += await env.redis.del(...keys);
      } while (cursor !== '0');
      return deleted;
    },
    /** Terminates every backend connected to the test database, as a Postgres restart would. */
    async terminatePostgresBackends(): Promise<number> {
      const dbName = new URL(env.databaseUrl).pathname.slice(1);
      const { rows } = await sql<{ n: number }>`
        SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
        FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`.execute(env.db);
      return rows[0]?.n ?? 0;
    },
    async close() {
      for (const list of children.values()) for (const c of list) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(
        [...children.values()]
          .flat()
          .map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)))),
      );
      await s3.close();
      await inference.close();
      await sim.close();
    },
  };
}

export type ChaosCluster = Awaited<ReturnType<typeof startChaosCluster>>;
export type { FaultProxy };
