/**
 * Warm fork-server pool vs cold `python3` spawn, side by side in one run: trivial and sympy
 * snippets, p50 at concurrency 1 and throughput under load, session cells, the CPU per call
 * (fork server plus its children, from /proc) and the private memory of an idle session.
 * Run: npm run bench -- sandbox. Writes bench-results/sandbox.json at the repo root.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createSandboxClient } from '@rft/sandbox-client';
import { createSandboxService } from '../src/index.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PYTHON = '/usr/bin/python3';
const CORES = availableParallelism();
const WARM_SECONDS = Number(process.env['BENCH_WARM_SECONDS'] ?? 6);
const COLD_SECONDS = Number(process.env['BENCH_COLD_SECONDS'] ?? 4);

const SNIPPETS = {
  trivial: 'print(1)',
  sympy: 'import sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x**2 - 4, x))',
} as const;
const EXPECTED = { trivial: '1\n', sympy: '[-2, 2]\n' } as const;

interface Figures {
  runs: number;
  seconds: number;
  execPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  failures: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `once` from `concurrency` loops for `seconds`; latency per call. */
async function drive(seconds: number, concurrency: number, once: () => Promise<boolean>, maxRuns = Infinity): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && started < maxRuns) {
        started++;
        const s = performance.now();
        const ok = await once();
        latencies.push(performance.now() - s);
        if (!ok) failures++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    runs: latencies.length,
    seconds: Number(elapsed.toFixed(2)),
    execPerSecond: Number((latencies.length / elapsed).toFixed(1)),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p95Ms: Number(percentile(latencies, 95).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    failures,
  };
}

function coldRun(code: string, expected: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', code], {
      env: { PATH: '/usr/bin:/bin', OPENBLAS_NUM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('close', (code) => resolve(code === 0 && out === expected));
    child.on('error', () => resolve(false));
  });
}

/** Other load on the machine (shared cores skew absolute exec/s; ratios are measured side by side). */
async function machineLoad(): Promise<{ loadAverage1m: number; cpuPressureSomeAvg10: number | null }> {
  const pressure = await readFile('/proc/pressure/cpu', 'utf8').catch(() => '');
  const avg10 = /some avg10=([\d.]+)/.exec(pressure)?.[1];
  return { loadAverage1m: Number(loadavg()[0]!.toFixed(2)), cpuPressureSomeAvg10: avg10 === undefined ? null : Number(avg10) };
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

async function procStat(pid: number | 'self'): Promise<{ ppid: number; state: string; cpuMs: number; childCpuMs: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: f[0]!,
    ppid: Number(f[1]),
    cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    childCpuMs: (Number(f[13]) + Number(f[14])) * TICK_MS,
  };
}

/** Fork servers of this process (under bwrap or not) and every process below them. */
async function sandboxProcesses(): Promise<{ forkServers: number[]; below: Map<number, number> }> {
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await procStat(Number(name));
    if (stat) parent.set(Number(name), stat.ppid);
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  const forkServers: number[] = [];
  for (const pid of parent.keys()) {
    if (!descends(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const parentCmd = await readFile(`/proc/${parent.get(pid)}/cmdline`, 'utf8').catch(() => '');
    // The python process itself, not bwrap (whose argv names the script too) nor a forked child.
    const isForkServer = (cmd: string): boolean => cmd.split('\0')[0]!.endsWith('python3') && cmd.includes('fork_server.py');
    if (isForkServer(cmdline) && !isForkServer(parentCmd)) forkServers.push(pid);
  }
  return { forkServers, below: parent };
}

/** CPU of the fork servers including their reaped children (every stateless run is one). */
async function forkServerCpuMs(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    const stat = await procStat(pid);
    if (stat) total += stat.cpuMs + stat.childCpuMs;
  }
  return total;
}

/** CPU of this process's reaped children (the cold interpreters). */
async function reapedChildCpuMs(): Promise<number> {
  return (await procStat('self'))!.childCpuMs;
}

type Measured = Figures & { cpuMsPerCall: number; nodeCpuMsPerCall: number };

/**
 * CPU per call: `cpuNow` (fork servers and their children, or the cold interpreters) and, apart,
 * this Node process (the service's HTTP/JSON relay plus the bench's own client: an upper bound).
 */
async function withCpu(measure: () => Promise<Figures>, cpuNow: () => Promise<number>): Promise<Measured> {
  const before = await cpuNow();
  const nodeBefore = process.cpuUsage();
  const figures = await measure();
  const node = process.cpuUsage(nodeBefore);
  const used = (await cpuNow()) - before;
  const perCall = (ms: number): number => Number((ms / Math.max(1, figures.runs)).toFixed(2));
  return { ...figures, cpuMsPerCall: perCall(used), nodeCpuMsPerCall: perCall((node.user + node.system) / 1000) };
}

/** Private memory (smaps_rollup Private_*) of each stopped session process. */
async function idleSessionPrivateKb(forkServers: number[], parents: Map<number, number>): Promise<number[]> {
  const out: number[] = [];
  for (const [pid, ppid] of parents) {
    if (!forkServers.includes(ppid)) continue;
    const stat = await procStat(pid);
    if (stat?.state !== 'T') continue;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    const kb = [...rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    if (kb > 0) out.push(kb);
  }
  return out;
}

async function main(): Promise<void> {
  const loadBefore = await machineLoad();
  const poolSize = Number(process.env['BENCH_POOL_SIZE'] ?? Math.max(2, CORES));
  const leanPoolSize = Number(process.env['BENCH_LEAN_POOL_SIZE'] ?? poolSize);
  const sessionsToMeasure = Number(process.env['BENCH_IDLE_SESSIONS'] ?? 64);
  const token = randomBytes(24).toString('base64url');
  const service = createSandboxService(
    { port: 0, poolSize, leanPoolSize, allowSameUid: process.getuid?.() !== 0, callers: { [token]: { caller: 'bench' } } },
    { logger: pino({ level: 'warn' }) },
  );
  const { url, isolation } = await service.start();
  const client = createSandboxClient({ baseUrl: url, token, maxSockets: 256 });
  const { forkServers } = await sandboxProcesses();
  const warmCpu = () => forkServerCpuMs(forkServers);
  const concurrency = poolSize * 2;
  const rows: { name: string; mode: string; figures: Measured; ratio?: number }[] = [];
  const results: Record<string, unknown> = {};
  try {
    // The same trivial snippet on the warm parent: naming numpy routes it there.
    const cases = [
      { key: 'trivialWarmParent', name: 'trivial' as const, label: 'warm parent', code: `${SNIPPETS.trivial}  # numpy` },
      { key: 'trivial', name: 'trivial' as const, label: leanPoolSize > 0 ? 'lean first' : 'warm parent', code: SNIPPETS.trivial },
      { key: 'sympy', name: 'sympy' as const, label: 'warm parent', code: SNIPPETS.sympy },
    ];
    for (const { key, name, label, code } of cases) {
      const ok = async () => {
        const r = await client.run({ code });
        return r.status === 'ok' && r.stdout === EXPECTED[name];
      };
      for (let i = 0; i < poolSize * 4; i++) await client.run({ code }); // first forks are not measured
      const single = await withCpu(() => drive(WARM_SECONDS / 2, 1, ok), warmCpu);
      const loaded = await withCpu(() => drive(WARM_SECONDS, concurrency, ok), warmCpu);
      let cold = (results[`${name}Cold`] as Measured | undefined) ?? null;
      if (!cold) {
        cold = await withCpu(() => drive(COLD_SECONDS, CORES, () => coldRun(SNIPPETS[name], EXPECTED[name])), reapedChildCpuMs);
        results[`${name}Cold`] = cold;
        rows.push({ name, mode: `cold python3, concurrency ${CORES}`, figures: cold, ratio: 1 });
      }
      const ratio = Number((loaded.execPerSecond / cold.execPerSecond).toFixed(1));
      results[key] = { warmConcurrency1: single, warm: loaded, cold, ratio };
      rows.push({ name, mode: `${label}, concurrency 1`, figures: single });
      rows.push({ name, mode: `${label}, concurrency ${concurrency}`, figures: loaded, ratio });
    }
    // Session cells: the interpreter exists already, each cell is a message to it.
    const sessionId = await client.openSession();
    await client.run({ code: 'n = 0', sessionId });
    const cell = await withCpu(
      () =>
        drive(WARM_SECONDS / 2, 1, async () => {
          const r = await client.run({ code: 'n += 1', sessionId });
          return r.status === 'ok';
        }),
      async () => (await forkServerCpuMs(forkServers)) + (await sessionCpuMs(forkServers)),
    );
    await client.closeSession(sessionId);
    results['sessionCell'] = cell;
    rows.push({ name: 'session cell', mode: 'warm, concurrency 1', figures: cell });
    // Idle sessions: open, run one cell each (they are frozen after it), measure private memory.
    const idle = await Promise.all(Array.from({ length: sessionsToMeasure }, () => client.openSession()));
    await Promise.all(
      idle.map((id) => client.run({ code: 'import sympy\nx = sympy.Symbol("x")\ny = [i * i for i in range(1000)]', sessionId: id })),
    );
    const { below } = await sandboxProcesses();
    const privateKb = (await idleSessionPrivateKb(forkServers, below)).sort((a, b) => a - b);
    await Promise.all(idle.map((id) => client.closeSession(id)));
    results['idleSession'] = {
      sessions: privateKb.length,
      privateKbMedian: percentile(privateKb, 50),
      privateKbMax: privateKb.at(-1) ?? null,
    };
  } finally {
    await client.close();
    await service.close();
  }

  const header = ['snippet', 'mode', 'exec/s', 'p50 ms', 'p95 ms', 'p99 ms', 'CPU ms/call', 'node ms/call', 'runs', 'failed', 'vs cold'];
  const table = rows.map((r) => [
    r.name,
    r.mode,
    String(r.figures.execPerSecond),
    String(r.figures.p50Ms),
    String(r.figures.p95Ms),
    String(r.figures.p99Ms),
    String(r.figures.cpuMsPerCall),
    String(r.figures.nodeCpuMsPerCall),
    String(r.figures.runs),
    String(r.figures.failures),
    r.ratio === undefined ? '' : `${r.ratio}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`sandbox bench: ${CORES} cores, pool ${poolSize} warm + ${leanPoolSize} lean, isolation: ${isolation.summary}`);
  console.log(`machine load before the run: ${JSON.stringify(loadBefore)}`);
  console.log('CPU ms/call: fork servers + their children (cold: the interpreters); node ms/call: this process (service + bench client)');
  console.log(line(header));
  for (const row of table) console.log(line(row));
  console.log(`idle session private memory: ${JSON.stringify(results['idleSession'])}`);
  const get = (name: string) => results[name] as { warmConcurrency1: Measured; warm: Measured; ratio: number };
  const trivial = get('trivial');
  const sympy = get('sympy');
  const sessionCell = results['sessionCell'] as Figures;
  const target = (goal: string, measured: number, met: boolean) => ({ goal, measured, met });
  const targets = {
    sessionCellP50: target('<= 3 ms', sessionCell.p50Ms, sessionCell.p50Ms <= 3),
    trivialP50Concurrency1: target('<= 10 ms', trivial.warmConcurrency1.p50Ms, trivial.warmConcurrency1.p50Ms <= 10),
    trivialCpuPerCall: target('<= 3 ms', trivial.warm.cpuMsPerCall, trivial.warm.cpuMsPerCall <= 3),
    trivialVsCold: target('>= 5x', trivial.ratio, trivial.ratio >= 5),
    sympyVsCold: target('>= 50x', sympy.ratio, sympy.ratio >= 50),
    trivialExecPerSecond: target('>= 300', trivial.warm.execPerSecond, trivial.warm.execPerSecond >= 300),
    sympyExecPerSecond: target('>= 150', sympy.warm.execPerSecond, sympy.warm.execPerSecond >= 150),
  };
  for (const [name, t] of Object.entries(targets))
    console.log(`target ${name}: ${t.goal}, measured ${t.measured}: ${t.met ? 'met' : 'NOT met'}`);
  const out = {
    name: 'sandbox',
    date: new Date().toISOString(),
    cores: CORES,
    poolSize,
    concurrency,
    isolation: isolation.summary,
    machineLoad: loadBefore,
    results,
    targets,
  };
  await mkdir(join(REPO_ROOT, 'bench-results'), { recursive: true });
  await writeFile(join(REPO_ROOT, 'bench-results', 'sandbox.json'), JSON.stringify(out, null, 2) + '\n');
}

/** CPU of live session processes (not yet reaped, so not in their fork server's child CPU). */
async function sessionCpuMs(forkServers: number[]): Promise<number> {
  const { below } = await sandboxProcesses();
  let total = 0;
  for (const [pid, ppid] of below) {
    if (!forkServers.includes(ppid)) continue;
    const stat = await procStat(pid);
    if (stat) total += stat.cpuMs;
  }
  return total;
}

await main();
