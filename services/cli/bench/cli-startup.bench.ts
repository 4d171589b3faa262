// `npm run bench -- cli`: wall time of `rft` invocations as separate processes against a listening
// API (start-up, module loading, one or two API calls, exit), median of REPEATS runs. Run from the
// repository on Node 24; "system node" runs bin/rft.js under the first node on PATH outside
// node_modules, which re-executes with the project's Node when it is older than 24.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createBenchApi } from '@rft/api/bench';
import { createApiToken, insertCampaign } from '@rft/db';

const REPEATS = 15;
const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(import.meta.dirname, '..', 'bin', 'rft.js');

function systemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (!dir.includes('node_modules') && existsSync(candidate) && candidate !== process.execPath) return candidate;
  }
  return undefined;
}

const PRELOAD = join(import.meta.dirname, 'report-usage.mjs');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median wall time (spawn to exit) and, when the process reports it, time since its start and its CPU time. */
async function measure(node: string, args: string[], env: NodeJS.ProcessEnv) {
  const wall: number[] = [];
  const inProcess: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    // Through NODE_OPTIONS so a re-executed CLI reports too.
    const { stderr } = await promisify(execFile)(node, [BIN, ...args], { env: { ...env, NODE_OPTIONS: `--import=${PRELOAD}` } });
    wall.push(performance.now() - start);
    // One report per process; the last is the outermost (the one that re-executed, if any).
    const reports = stderr
      .split('\n')
      .filter((l) => l.startsWith('RFT_BENCH '))
      .map((l) => JSON.parse(l.slice('RFT_BENCH '.length)) as { sinceStartMs: number; cpuMs: number });
    if (reports.length) {
      inProcess.push(reports.at(-1)!.sinceStartMs);
      cpu.push(reports.reduce((sum, r) => sum + r.cpuMs, 0));
    }
  }
  return {
    wallMs: Math.round(median(wall)),
    sinceStartMs: inProcess.length ? Math.round(median(inProcess)) : null,
    cpuMs: cpu.length ? Math.round(median(cpu)) : null,
  };
}

const { app, db, close } = await createBenchApi();
try {
  const { token } = await createApiToken(db, { name: 'bench', role: 'operator', team: null, createdBy: 'bench' });
  const id = await db.transaction().execute((tx) =>
    insertCampaign(tx, {
      name: 'bench-cli',
      team: 'bench',
      spec: {},
      createdBy: 'bench',
      shardSize: 100,
      stages: [{ name: 'rft', samples: 4 }],
      questions: Array.from({ length: 200 }, (_, i) => ({ questionId: `q${i}`, kind: 'math' as const, payload: {} })),
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const env = { ...process.env, RFT_API_URL: url, RFT_TOKEN: token };
  const cases: Array<[string, string, string[]]> = [
    ['rft --version', process.execPath, ['--version']],
    ['rft status <uuid>', process.execPath, ['status', id]],
    ['rft status <name>', process.execPath, ['status', 'bench-cli']],
    ['rft status <uuid> --json', process.execPath, ['status', id, '--json']],
  ];
  const older = systemNode();
  if (older) cases.push([`rft status <uuid> (system ${older})`, older, ['status', id]]);
  else console.log('no other node on PATH: the re-exec case is not measured');
  const results = [];
  for (const [name, node, args] of cases) results.push({ case: name, ...(await measure(node, args, env)) });
  console.table(results);
  console.log(
    `machine load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores (wall times grow with it; cpuMs does not)`,
  );
  const out = join(ROOT, 'bench-results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'cli-startup.json'), JSON.stringify({ repeats: REPEATS, statistic: 'median', results }, null, 2));
} finally {
  await close();
}
