/**
 * Sandbox soak: the sandbox service alone (its real entry point, fork servers and confinement) under
 * the load rollout workers put on it, for a long time, watching its memory. One or more variants run
 * side by side on the same machine, each its own service process with its own environment, so a
 * memory setting is judged against the service as deployed under the same load in one run.
 *
 *   npm run bench:sandbox-soak -- [--minutes 20] [--concurrency 128] [--pool-size 2] [--mode stateless|sessions] [--cell-ms 0]
 *                                 [--variant 'unflagged:'] [--variant 'arena2:MALLOC_ARENA_MAX=2,--max-semi-space-size=16'] ...
 *
 * `deployed` always runs: the service started with SANDBOX_NODE_FLAGS, as every launcher starts it.
 * Every --variant is NAME:ITEM[,ITEM...], each ITEM a Node flag (`--...`) or an environment
 * variable (KEY=VALUE), and starts from bare `node` (no flags; `unflagged:` is Node's defaults). The load: the
 * model-sim question bank's Python (the code a campaign's samples send, its wrong variants
 * included) from `concurrency` callers per variant over keep-alive sockets, as two rollout workers
 * with 64 sockets each do. Prints a table and writes bench-results/sandbox-soak.json.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRandom } from '@rft/seeded-random';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { createSandboxClient, type SandboxClient } from '@rft/sandbox-client';
import { freePort } from '@rft/testing/free-port';
import { QUESTION_TEMPLATES } from '../../services/model-sim/src/question-bank.ts';
import { formatTable } from '../chaos/campaign-invariants.ts';
import { waitForHttp } from '../../scripts/lib/child-services.ts';
import { killChildrenWhenDone, stopGracefully } from './child-lifetime.ts';
import { anonymousBytes, nodeMemory, quarterGrowth, rssBytes, type NodeMemory } from './process-probe.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '128' },
    'pool-size': { type: 'string', default: '2' },
    'sample-seconds': { type: 'string', default: '5' },
    /**
     * `stateless` (what rollouts send: a fork per execution) or `sessions` (each caller keeps a
     * session: no fork per cell, so the service's own request path runs several times faster).
     */
    mode: { type: 'string', default: 'stateless' },
    /**
     * Each snippet first sleeps this long (0: not at all). With `--mode sessions` it stands in for the
     * fork servers' per-execution time, so the service sees a campaign's request rate and queueing
     * (2 fork servers x 21 ms each ≈ 95 exec/s, the 100,000-question run's) on a machine that
     * could not reach that rate forking.
     */
    'cell-ms': { type: 'string', default: '0' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const MINUTES = Number(flags.minutes);
const CELL_MS = Number(flags['cell-ms']);
if (!(CELL_MS >= 0)) throw new Error(`--cell-ms ${flags['cell-ms']}: expected a number of milliseconds >= 0`);
if (flags.mode !== 'stateless' && flags.mode !== 'sessions') throw new Error(`--mode ${flags.mode}: expected stateless or sessions`);
/** Sessions per variant: as many as the pool holds (16 per fork server) so none is evicted. */
const SESSIONS = Number(flags['pool-size']) * 16;
const CONCURRENCY = Number(flags.concurrency);
const SAMPLE_MS = Number(flags['sample-seconds']) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Variant {
  name: string;
  nodeFlags: readonly string[];
  env: Record<string, string>;
}

function parseVariant(text: string): Variant {
  const at = text.indexOf(':');
  const name = text.slice(0, at);
  if (at <= 0) throw new Error(`--variant ${text}: expected NAME:ITEM[,ITEM...] (ITEM a --node-flag or KEY=VALUE)`);
  const variant: Variant = { name, nodeFlags: [], env: {} };
  for (const item of text
    .slice(at + 1)
    .split(',')
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (item.startsWith('--')) variant.nodeFlags = [...variant.nodeFlags, item];
    else if (eq > 0) variant.env[item.slice(0, eq)] = item.slice(eq + 1);
    else throw new Error(`--variant ${text}: "${item}" is neither a --node-flag nor KEY=VALUE`);
  }
  return variant;
}

const variants: Variant[] = [{ name: 'deployed', nodeFlags: SANDBOX_NODE_FLAGS, env: {} }, ...flags.variant.map(parseVariant)];
if (new Set(variants.map((v) => v.name)).size !== variants.length)
  throw new Error('--variant: names must differ from each other and from "deployed"');

/** A fixed pool of snippets from the question bank: 88% correct, the rest the bank's faulty variants. */
function snippets(count: number): string[] {
  const rng = createRandom(20261126);
  return Array.from({ length: count }, () => {
    const template = QUESTION_TEMPLATES[Math.floor(rng.next() * QUESTION_TEMPLATES.length)]!;
    const roll = rng.next();
    return template.python(template.generate(rng), roll < 0.88 ? 'correct' : roll < 0.94 ? 'off_by_one' : 'name_error');
  });
}
const PACING = CELL_MS > 0 ? `__import__('time').sleep(${CELL_MS / 1000})\n` : '';
const CODE = snippets(512).map((code) => PACING + code);

interface Reading {
  t: number;
  executions: number;
  rss: number;
  anonymous: number;
  memory: NodeMemory | null;
}

interface Running {
  variant: Variant;
  child: ChildProcess;
  url: string;
  client: SandboxClient;
  readings: Reading[];
  executions: number;
  byStatus: Map<string, number>;
  exited: string | null;
}

const SOAK_TOKEN = randomBytes(24).toString('base64url');

async function startVariant(variant: Variant): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [...variant.nodeFlags, join(ROOT, 'services/sandbox/src/main.ts')], {
    env: {
      ...process.env,
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_PORT: String(port),
      SANDBOX_POOL_SIZE: flags['pool-size'],
      SANDBOX_MAX_QUEUE: '4096',
      SANDBOX_TOKENS: JSON.stringify({ [SOAK_TOKEN]: { caller: 'soak' } }),
      LOG_LEVEL: 'warn',
      ...variant.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // Both streams are drained: a pipe nobody reads would stall the service once it fills.
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (c: Buffer) => (log = (log + c.toString('utf8')).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const running: Running = {
    variant,
    child,
    url,
    client: createSandboxClient({ baseUrl: url, token: SOAK_TOKEN, maxSockets: CONCURRENCY }),
    readings: [],
    executions: 0,
    byStatus: new Map(),
    exited: null,
  };
  child.once('exit', (code, signal) => (running.exited = `exited (${signal ?? code})\n${log}`));
  await waitForHttp(`${url}/healthz`, 60_000).catch((error: unknown) => {
    throw new Error(`sandbox variant ${variant.name} never became healthy: ${running.exited ?? `${String(error)}\n${log}`}`);
  });
  return running;
}

const fleet: Running[] = [];
killChildrenWhenDone(() => fleet.map((r) => r.child));

for (const variant of variants) fleet.push(await startVariant(variant));
console.log(
  `sandbox soak: ${variants.map((v) => `${v.name} ${[...v.nodeFlags, ...Object.entries(v.env).map(([k, x]) => `${k}=${x}`)].join(' ') || '(node defaults)'}`).join(' | ')}; ` +
    `${MINUTES} min, ${flags.mode}${CELL_MS > 0 ? `, each snippet paced by a ${CELL_MS} ms sleep` : ''}, ${CONCURRENCY} callers and pool ${flags['pool-size']} per variant`,
);

const started = Date.now();
const deadline = started + MINUTES * 60_000;

async function drive(r: Running, caller: number): Promise<void> {
  const session = flags.mode === 'sessions' ? { sessionId: `soak-${r.variant.name}-${caller % SESSIONS}` } : {};
  for (let i = caller; Date.now() < deadline && r.exited === null; i += CONCURRENCY) {
    const result = await r.client.run({ code: CODE[i % CODE.length]!, ...session });
    r.executions++;
    r.byStatus.set(result.status, (r.byStatus.get(result.status) ?? 0) + 1);
  }
}

async function sample(): Promise<void> {
  while (Date.now() < deadline) {
    await sleep(SAMPLE_MS);
    for (const r of fleet) {
      const pid = r.child.pid;
      if (pid === undefined || r.exited !== null) continue;
      r.readings.push({
        t: (Date.now() - started) / 1000,
        executions: r.executions,
        rss: rssBytes(pid) ?? Number.NaN,
        anonymous: anonymousBytes(pid) ?? Number.NaN,
        memory: await nodeMemory(`${r.url}/metrics`),
      });
    }
    const minute = Math.floor((Date.now() - started) / 60_000);
    if (fleet[0]!.readings.length % Math.max(1, Math.round(60_000 / SAMPLE_MS)) === 0) {
      console.log(
        `t=${minute} min ${fleet.map((r) => `${r.variant.name}: ${r.executions} runs, RSS ${mib(r.readings.at(-1)?.rss)} MiB`).join('; ')}`,
      );
    }
  }
}

/**
 * Least-squares slope of RSS over executions after the first quarter (the warm-up): bytes kept per
 * execution. A leak shows here as a steady positive figure; heap sizing settles to about zero.
 */
function bytesPerExecution(readings: readonly Reading[]): number {
  const tail = readings.slice(Math.floor(readings.length / 4)).filter((r) => !Number.isNaN(r.rss));
  const n = tail.length;
  if (n < 2) return Number.NaN;
  const mx = tail.reduce((a, r) => a + r.executions, 0) / n;
  const my = tail.reduce((a, r) => a + r.rss, 0) / n;
  const sxy = tail.reduce((a, r) => a + (r.executions - mx) * (r.rss - my), 0);
  const sxx = tail.reduce((a, r) => a + (r.executions - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

const mib = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? '-' : (bytes / 2 ** 20).toFixed(0));
const pct = (growth: number) => `${(growth * 100).toFixed(1)}%`;

await Promise.all([sample(), ...fleet.flatMap((r) => Array.from({ length: CONCURRENCY }, (_, caller) => drive(r, caller)))]);
const seconds = (Date.now() - started) / 1000;

const rows = fleet.map((r) => {
  const rss = quarterGrowth(r.readings.map((x) => x.rss));
  const anonymous = quarterGrowth(r.readings.map((x) => x.anonymous));
  const heap = quarterGrowth(r.readings.map((x) => x.memory?.heapUsed ?? Number.NaN));
  const heapTotal = quarterGrowth(r.readings.map((x) => x.memory?.heapTotal ?? Number.NaN));
  const external = quarterGrowth(r.readings.map((x) => x.memory?.external ?? Number.NaN));
  return {
    variant: r.variant.name,
    exited: r.exited,
    executions: r.executions,
    execPerSecond: r.executions / seconds,
    byStatus: Object.fromEntries(r.byStatus),
    rss,
    rssBytesPerExecution: bytesPerExecution(r.readings),
    anonymous,
    heapUsed: heap,
    heapTotal,
    external,
    readings: r.readings,
  };
});
const baseline = rows[0]!;
console.log(
  `\n${formatTable(
    rows.map((row) => ({
      variant: row.variant,
      'exec/s': row.execPerSecond.toFixed(1),
      runs: row.executions,
      // ok and error are the snippets' own outcomes; busy or sandbox_error would be the service failing.
      statuses: Object.entries(row.byStatus)
        .map(([status, count]) => `${status} ${count}`)
        .join(', '),
      'RSS MiB first -> last quarter': `${mib(row.rss.first)} -> ${mib(row.rss.last)}`,
      'RSS growth': pct(row.rss.growth),
      'RSS vs deployed': (row.rss.last / baseline.rss.last).toFixed(2),
      'RSS B/run after warm-up': row.rssBytesPerExecution.toFixed(0),
      'anonymous MiB': `${mib(row.anonymous.first)} -> ${mib(row.anonymous.last)}`,
      'V8 heap used MiB': `${mib(row.heapUsed.first)} -> ${mib(row.heapUsed.last)}`,
      'V8 heap reserved MiB': `${mib(row.heapTotal.first)} -> ${mib(row.heapTotal.last)}`,
      'external MiB': `${mib(row.external.first)} -> ${mib(row.external.last)}`,
    })),
  )}`,
);
for (const row of rows) if (row.exited) console.error(`${row.variant} ${row.exited}`);
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench-results', 'sandbox-soak.json'),
  JSON.stringify(
    {
      name: 'sandbox-soak',
      date: new Date().toISOString(),
      minutes: MINUTES,
      mode: flags.mode,
      cellMs: CELL_MS,
      concurrency: CONCURRENCY,
      poolSize: Number(flags['pool-size']),
      seconds,
      variants: rows,
    },
    null,
    2,
  ),
);
await Promise.all(fleet.map((r) => r.client.close()));
// SIGTERM first: the service closes its pool and exits, so a variant run with --cpu-prof or
// --heap-prof writes its profile.
await Promise.all(fleet.map((r) => stopGracefully(r.child, 15_000)));
process.exit(rows.some((row) => row.exited) ? 1 : 0);
