/**
 * Warm fork-server pool vs cold `python3` spawn, side by side in one run.
 * Run: ./node_modules/.bin/node services/sandbox/bench/sandbox.bench.ts
 * Writes bench-results/sandbox.json at the repo root.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

async function main(): Promise<void> {
  const loadBefore = await machineLoad();
  const poolSize = Number(process.env['BENCH_POOL_SIZE'] ?? Math.max(2, CORES));
  const token = randomBytes(24).toString('base64url');
  const service = createSandboxService(
    { port: 0, poolSize, allowSameUid: process.getuid?.() !== 0, callers: { [token]: { caller: 'bench' } } },
    { logger: pino({ level: 'warn' }) },
  );
  const { url, isolation } = await service.start();
  const client = createSandboxClient({ baseUrl: url, token });
  const concurrency = poolSize * 2;
  const results: Record<string, unknown> = {};
  const rows: string[][] = [];
  try {
    for (const name of ['trivial', 'sympy'] as const) {
      const code = SNIPPETS[name];
      // Warm-up so the first fork of each worker is not measured.
      for (let i = 0; i < poolSize * 4; i++) await client.run({ code });
      const warm = await drive(WARM_SECONDS, concurrency, async () => {
        const r = await client.run({ code });
        return r.status === 'ok' && r.stdout === EXPECTED[name];
      });
      const cold = await drive(COLD_SECONDS, CORES, () => coldRun(code, EXPECTED[name]));
      const ratio = Number((warm.execPerSecond / cold.execPerSecond).toFixed(1));
      results[name] = { warm, cold, ratio };
      rows.push([
        name,
        'warm pool',
        String(warm.execPerSecond),
        String(warm.p50Ms),
        String(warm.p99Ms),
        String(warm.runs),
        String(warm.failures),
        `${ratio}x`,
      ]);
      rows.push([
        name,
        'cold spawn',
        String(cold.execPerSecond),
        String(cold.p50Ms),
        String(cold.p99Ms),
        String(cold.runs),
        String(cold.failures),
        '1x',
      ]);
    }
    // A cold interpreter that offers what the pool offers has to import numpy and sympy.
    const preload = await drive(COLD_SECONDS, CORES, () => coldRun(`import numpy, sympy\n${SNIPPETS.trivial}`, EXPECTED.trivial));
    const trivialWarm = (results['trivial'] as { warm: Figures }).warm;
    const preloadRatio = Number((trivialWarm.execPerSecond / preload.execPerSecond).toFixed(1));
    results['trivialVsColdWithImports'] = { cold: preload, ratio: preloadRatio };
    rows.push([
      'trivial',
      'cold + import numpy,sympy',
      String(preload.execPerSecond),
      String(preload.p50Ms),
      String(preload.p99Ms),
      String(preload.runs),
      String(preload.failures),
      `warm is ${preloadRatio}x`,
    ]);
  } finally {
    await client.close();
    await service.close();
  }

  const header = ['snippet', 'mode', 'exec/s', 'p50 ms', 'p99 ms', 'runs', 'failed', 'warm/cold'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`sandbox bench: ${CORES} cores, pool ${poolSize}, client concurrency ${concurrency}, isolation: ${isolation.summary}`);
  console.log(`machine load before the run: ${JSON.stringify(loadBefore)}`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const trivial = results['trivial'] as { warm: Figures; ratio: number };
  const sympy = results['sympy'] as { warm: Figures; ratio: number };
  const targets = {
    trivialExecPerSecond: { target: 300, measured: trivial.warm.execPerSecond, met: trivial.warm.execPerSecond >= 300 },
    sympyExecPerSecond: { target: 150, measured: sympy.warm.execPerSecond, met: sympy.warm.execPerSecond >= 150 },
    sympyRatioToCold: { target: 30, measured: sympy.ratio, met: sympy.ratio >= 30 },
  };
  console.log('targets:', JSON.stringify(targets));
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

await main();
