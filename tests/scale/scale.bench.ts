/**
 * Scale run: one campaign of N questions x S samples through the whole pipeline, every service a
 * child process, against an instant model-sim. Measures throughput, Postgres ingest, Redis footprint
 * of the queue prefix, RSS growth per service and CPU seconds per service.
 *
 *   npm run bench:scale -- --questions 10000 [--samples 16] [--workers 2] [--graders 1] [--max-tokens 4096]
 *
 * Prints a table and writes bench-results/scale.json. Needs Postgres, Redis and python3 as the tests do.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { freePort } from '@rft/testing/free-port';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CampaignSpec } from '@rft/contracts';
import { createDb } from '@rft/db';
import { registerCampaign } from '@rft/intake';
import { SANDBOX_NODE_FLAGS } from '@rft/sandbox/node-flags';
import { createS3Client, createS3ObjectStore } from '@rft/storage';
import { cloneDatabase, deleteRedisPrefix, prepareTemplateDatabase } from '@rft/testing';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { demoQuestions } from '../../services/model-sim/src/demo-questions.ts';
import { auditCampaign, formatTable } from '../chaos/campaign-invariants.ts';
import { killChildrenWhenDone, stopGracefully } from './child-lifetime.ts';
import { hotFunctions } from './profile-summary.ts';
import { CommandCpu, cpuSeconds, heapUsedBytes, quarterGrowth, redisFootprint, rssBytes } from './process-probe.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    questions: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    graders: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '4096' },
    'timeout-minutes': { type: 'string', default: '120' },
    /** Seconds between progress samples; counting a large campaign's rows costs Postgres time. */
    'sample-seconds': { type: 'string', default: '2' },
    audit: { type: 'boolean', default: true },
    /** Profile every process with --cpu-prof and print each one's hottest functions. */
    profile: { type: 'boolean', default: false },
    /** The Redis footprint of the queue prefix must stay below this (see tests/scale/README.md). */
    'redis-bound-mib': { type: 'string', default: '8' },
  },
});
const QUESTIONS = Number(flags.questions);
const SAMPLES = Number(flags.samples);
const EXPECTED = QUESTIONS * SAMPLES;
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUCKET = 'rft-scale';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Role = 'model-sim' | 's3' | 'sandbox' | 'scheduler' | 'rollout-worker' | 'grader' | 'curator';
const ENTRY: Record<Role, string> = {
  'model-sim': 'services/model-sim/src/main.ts',
  s3: 'tests/scale/s3-server.ts',
  sandbox: 'services/sandbox/src/main.ts',
  scheduler: 'services/scheduler/src/main.ts',
  'rollout-worker': 'services/rollout-worker/src/main.ts',
  grader: 'services/grader/src/main.ts',
  curator: 'services/curator/src/main.ts',
};

const PROFILE_DIR = join(ROOT, 'bench-results', 'profiles');
/** Stand-ins for the GPUs and the object store: measured and shown, not part of the system's promise. */
const TEST_DOUBLES: ReadonlySet<Role> = new Set<Role>(['model-sim', 's3']);
const children: Array<{ role: Role; child: ChildProcess; rss: number[]; heap: number[]; metricsUrl?: string; cpu: number }> = [];
let logTail = '';
function start(role: Role, env: Record<string, string>): ChildProcess {
  const profileArgs = flags.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${role}-${children.length}.cpuprofile`]
    : [];
  const nodeFlags = role === 'sandbox' ? SANDBOX_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...profileArgs, ...nodeFlags, join(ROOT, ENTRY[role])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Both streams are read: a pipe nobody drains would stall or bloat a service that logs.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (c: Buffer) => {
      logTail = (logTail + `[${role}] ${c.toString('utf8')}`).slice(-6000);
    });
  }
  const metricsUrl =
    role === 'sandbox'
      ? `http://127.0.0.1:${env.SANDBOX_PORT}/metrics` // the sandbox serves /metrics on its API port
      : env.METRICS_PORT && env.METRICS_PORT !== '0'
        ? `http://127.0.0.1:${env.METRICS_PORT}/metrics`
        : undefined;
  children.push({ role, child, rss: [], heap: [], metricsUrl, cpu: 0 });
  return child;
}

// Set once the run's database and Redis prefix exist; a stopped bench removes them.
let removeStores: (() => Promise<void>) | null = null;
killChildrenWhenDone(() => children.map((c) => c.child), {
  describe: "removing the run's database and Redis keys",
  run: () => removeStores?.(),
});

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await sleep(100);
  }
  throw new Error(`${url} never became healthy\n${logTail}`);
}

// --- environment: a fresh database from the migrated template, a Redis prefix, an S3 server
const template = await prepareTemplateDatabase(ADMIN_URL);
const database = await cloneDatabase(ADMIN_URL, template);
const db = createDb({ url: database.url, poolSize: 3 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queuePrefix = `scale-${database.name}`;
removeStores = async () => {
  await deleteRedisPrefix(redis, queuePrefix);
  await db.destroy();
  await database.drop();
};
const s3Child = start('s3', { BUCKET });
const s3Port = await new Promise<number>((resolve, reject) => {
  s3Child.stdout?.once('data', (c: Buffer) => resolve(JSON.parse(c.toString('utf8')).port as number));
  s3Child.once('exit', () => reject(new Error(`s3 server exited\n${logTail}`)));
});
const s3Settings = {
  endpoint: `http://127.0.0.1:${s3Port}`,
  region: 'us-east-1',
  bucket: BUCKET,
  prefix: 'scale',
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  forcePathStyle: true,
};
const s3Client = createS3Client(s3Settings);
const store = createS3ObjectStore(s3Client, s3Settings);

const simPort = await freePort();
const sandboxPort = await freePort();
const sandboxToken = randomBytes(24).toString('base64url');
const simUrl = `http://127.0.0.1:${simPort}`;
const serviceEnv: Record<string, string> = {
  DATABASE_URL: database.url,
  DATABASE_POOL_SIZE: '8',
  REDIS_URL,
  QUEUE_PREFIX: queuePrefix,
  S3_ENDPOINT: s3Settings.endpoint,
  S3_BUCKET: BUCKET,
  S3_PREFIX: s3Settings.prefix,
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  S3_FORCE_PATH_STYLE: 'true',
  LOG_LEVEL: 'warn',
  METRICS_PORT: '0',
  SANDBOX_URL: `http://127.0.0.1:${sandboxPort}`,
  SANDBOX_TOKEN: sandboxToken,
  // The campaign names model-sim on 127.0.0.1 as its endpoint.
  INFERENCE_ENDPOINT_ALLOWLIST: '127.0.0.1',
};
start('model-sim', { PORT: String(simPort), MAX_NUM_SEQS: '4096', SIM_SEED: '3' });
start('sandbox', {
  SANDBOX_PORT: String(sandboxPort),
  SANDBOX_HOST: '127.0.0.1',
  SANDBOX_POOL_SIZE: '2',
  SANDBOX_MAX_QUEUE: '4096',
  SANDBOX_TOKENS: JSON.stringify({ [sandboxToken]: { caller: 'scale' } }),
});
await waitHealthy(`${simUrl}/health`);
await waitHealthy(`${serviceEnv.SANDBOX_URL}/healthz`);
// Each orchestrator service serves /metrics on its own port so its V8 heap can be read beside its RSS.
const withMetrics = async (env: Record<string, string>) => ({ ...env, METRICS_PORT: String(await freePort()) });
start('scheduler', await withMetrics({ ...serviceEnv, ROLLOUT_WINDOW: '256', SCHEDULER_TICK_MS: '500' }));
for (let i = 0; i < Number(flags.workers); i++) start('rollout-worker', await withMetrics({ ...serviceEnv, ROLLOUT_CONCURRENCY: '32' }));
for (let i = 0; i < Number(flags.graders); i++) start('grader', await withMetrics({ ...serviceEnv, GRADER_CONCURRENCY: '16' }));
start('curator', await withMetrics(serviceEnv));
console.log(`metrics: ${children.flatMap((c) => (c.metricsUrl ? [`${c.role} ${c.metricsUrl}`] : [])).join(', ')}`);

// --- the campaign
const spec: CampaignSpec = {
  name: 'scale',
  team: 'bench',
  model: { name: 'qwq-32b-sim', endpoints: [simUrl] },
  stages: [{ name: 'rft', recipe: 'rft', samples: SAMPLES, sampling: { maxTokens: Number(flags['max-tokens']) } }],
  shardSize: 1000,
  selection: { policy: 'rft', stage: 'rft', minResponseChars: 0 },
};
// Interleaved by template (the bank lists them template by template), so every part of the run
// sees the same mix of reasoning lengths and throughput over time is comparable.
const perTemplate = Math.ceil(QUESTIONS / 7);
const bank = demoQuestions(perTemplate);
const questions = Array.from({ length: bank.length }, (_, i) => bank[(i % 7) * perTemplate + Math.floor(i / 7)]!).slice(0, QUESTIONS);
// The data stores' CPU and the sandbox's Python (fork servers and their reaped per-run children),
// counted from here. Shared servers: other work on the machine shows up too.
const storeCpu = [new CommandCpu('postgres'), new CommandCpu('redis-server'), new CommandCpu('python3', true)];
// Connections Postgres accepted for the run's database: pools that close idle clients and reopen
// them pay a backend start each time.
const pgSessions = async () =>
  Number(
    (await sql<{ sessions: string }>`SELECT sessions::text FROM pg_stat_database WHERE datname = current_database()`.execute(db)).rows[0]
      ?.sessions ?? Number.NaN,
  );
const sessionsAtStart = await pgSessions();
const t0 = Date.now();
const campaignId = await registerCampaign(db, spec, questions, 'bench');
const registerSeconds = (Date.now() - t0) / 1000;
const started = Date.now();
console.log(`registered ${QUESTIONS} questions in ${registerSeconds.toFixed(1)} s; running ${EXPECTED} samples...`);

interface Point {
  t: number;
  samples: number;
  grades: number;
  status: string;
  redisBytes: number;
  redisKeys: number;
}
const series: Point[] = [];
const deadline = started + Number(flags['timeout-minutes']) * 60_000;
let status = 'running';
let lastPrint = 0;
while (!['completed', 'completed_with_failures', 'failed', 'cancelled'].includes(status) && Date.now() < deadline) {
  await sleep(Number(flags['sample-seconds']) * 1000);
  const { rows } = await sql<{ samples: number; grades: number; status: string }>`
    SELECT (SELECT count(*)::int FROM samples WHERE campaign_id = ${campaignId}) AS samples,
           (SELECT count(*)::int FROM grades) AS grades,
           (SELECT status FROM campaigns WHERE id = ${campaignId}) AS status`.execute(db);
  const r = rows[0]!;
  status = r.status;
  const footprint = await redisFootprint(redis, queuePrefix);
  series.push({
    t: (Date.now() - started) / 1000,
    samples: r.samples,
    grades: r.grades,
    status,
    redisBytes: footprint.bytes,
    redisKeys: footprint.keys,
  });
  for (const store of storeCpu) store.sample();
  for (const c of children) {
    const rss = c.child.pid ? rssBytes(c.child.pid) : null;
    if (rss !== null) c.rss.push(rss);
    if (c.metricsUrl) c.heap.push((await heapUsedBytes(c.metricsUrl)) ?? Number.NaN);
    c.cpu = (c.child.pid ? cpuSeconds(c.child.pid) : null) ?? c.cpu;
  }
  if (Date.now() - lastPrint > 15_000) {
    lastPrint = Date.now();
    console.log(
      `t=${series.at(-1)!.t.toFixed(0)}s samples ${r.samples}/${EXPECTED} grades ${r.grades} ${status} redis ${(footprint.bytes / 1024).toFixed(0)} KiB in ${footprint.keys} keys`,
    );
  }
}
const wallSeconds = (Date.now() - started) / 1000;
const pgSessionsOpened = (await pgSessions()) - sessionsAtStart;

// --- results
const phase = (pred: (p: Point) => boolean) => series.find(pred)?.t ?? null;
const allSamplesAt = phase((p) => p.samples >= EXPECTED);
const allGradedAt = phase((p) => p.grades >= EXPECTED);
const curatingAt = phase((p) => p.status === 'curating' || p.status === 'completed');
const cpuByRole = new Map<Role, number>();
const rssByRole = new Map<Role, Array<{ pid: number; first: number; last: number; growth: number; max: number }>>();
// V8 heap in use (orchestrator services only): tells a leak, which grows the heap, from V8 and the
// allocator holding on to memory they already have, which grows RSS alone.
const heapByRole = new Map<Role, Array<{ first: number; last: number; growth: number }>>();
for (const c of children) {
  cpuByRole.set(c.role, (cpuByRole.get(c.role) ?? 0) + c.cpu);
  // RSS over the steady part of the run: from the first sample until generation ended.
  const end = allSamplesAt ?? wallSeconds;
  const steady = c.rss.slice(0, series.filter((p) => p.t <= end).length);
  const g = quarterGrowth(steady.length >= 4 ? steady : c.rss);
  rssByRole.set(c.role, [...(rssByRole.get(c.role) ?? []), { pid: c.child.pid ?? 0, ...g, max: Math.max(0, ...c.rss) }]);
  const heap = c.heap.slice(0, steady.length).filter((b) => Number.isFinite(b));
  if (heap.length >= 4) heapByRole.set(c.role, [...(heapByRole.get(c.role) ?? []), quarterGrowth(heap)]);
}
const storeCpuSeconds = Object.fromEntries(storeCpu.map((store) => [store.comm, store.seconds]));
const totalCpu = [...cpuByRole.values(), ...Object.values(storeCpuSeconds)].reduce((a, b) => a + b, 0);
const redisMax = Math.max(0, ...series.map((p) => p.redisBytes));
const redisKeysMax = Math.max(0, ...series.map((p) => p.redisKeys));
const generationSeconds = allSamplesAt ?? wallSeconds;
const audit =
  flags.audit && status === 'completed'
    ? await auditCampaign(db, store, campaignId, EXPECTED).catch((error: unknown) => {
        console.error(`audit failed: ${String(error)}`);
        return null;
      })
    : null;
const rowCounts = (
  await sql<{ samples: number; grades: number; dataset_items: number }>`
    SELECT (SELECT count(*)::int FROM samples) AS samples, (SELECT count(*)::int FROM grades) AS grades,
           (SELECT count(*)::int FROM dataset_items) AS dataset_items`.execute(db)
).rows[0]!;

// Per-unit storage, for the projection in tests/scale/README.md.
const tableBytes = Object.fromEntries(
  (
    await sql<{ name: string; bytes: string }>`
      SELECT relname AS name, pg_total_relation_size(relid)::text AS bytes FROM pg_stat_user_tables
      WHERE relname IN ('samples', 'grades', 'questions', 'question_stages', 'dataset_items')`.execute(db)
  ).rows.map((r) => [r.name, Number(r.bytes)]),
);
// Trajectory object sizes come from the audit's HEAD of every object (s3rver answers 500 to listing this many keys).
const s3Objects = audit?.objects ?? 0;
const s3Bytes = audit?.objectBytes ?? 0;
const REDIS_BOUND = Number(flags['redis-bound-mib']) * 2 ** 20;

const result = {
  questions: QUESTIONS,
  samples: SAMPLES,
  expectedSamples: EXPECTED,
  status,
  wallSeconds,
  registerSeconds,
  registerRowsPerSecond: (QUESTIONS * 2) / registerSeconds,
  phases: { generationSeconds: allSamplesAt, gradedSeconds: allGradedAt, curatingFromSeconds: curatingAt, completedSeconds: wallSeconds },
  pipelineSamplesPerSecond: EXPECTED / wallSeconds,
  generationSamplesPerSecond: rowCounts.samples / generationSeconds,
  postgresIngestRowsPerSecond: (rowCounts.samples + rowCounts.grades) / (allGradedAt ?? wallSeconds),
  rows: rowCounts,
  postgresSessionsOpened: pgSessionsOpened,
  redis: { maxPrefixBytes: redisMax, maxPrefixKeys: redisKeysMax, boundBytes: REDIS_BOUND },
  storage: { tableBytes, s3TrajectoryObjects: s3Objects, s3TrajectoryBytes: s3Bytes },
  cpuSecondsByRole: { ...Object.fromEntries(cpuByRole), ...storeCpuSeconds },
  /** Share of the machine's cores busy with the run, from start to completion. */
  coreUtilisation: totalCpu / (wallSeconds * availableParallelism()),
  rssByRole: Object.fromEntries(rssByRole),
  heapByRole: Object.fromEntries(heapByRole),
  audit,
};

console.log(
  `\nscale: ${QUESTIONS} questions x ${SAMPLES} samples, ${flags.workers} rollout workers, ${flags.graders} graders, 2 shared cores`,
);
console.log(
  formatTable([
    { figure: 'campaign status', value: status },
    { figure: 'wall time (registered -> completed)', value: `${wallSeconds.toFixed(0)} s` },
    { figure: 'registration', value: `${registerSeconds.toFixed(1)} s (${result.registerRowsPerSecond.toFixed(0)} rows/s)` },
    { figure: 'all samples stored at', value: allSamplesAt === null ? '-' : `${allSamplesAt.toFixed(0)} s` },
    { figure: 'all samples graded at', value: allGradedAt === null ? '-' : `${allGradedAt.toFixed(0)} s` },
    { figure: 'curation', value: curatingAt === null ? '-' : `${(wallSeconds - curatingAt).toFixed(0)} s` },
    { figure: 'pipeline samples/s (end to end)', value: result.pipelineSamplesPerSecond.toFixed(1) },
    { figure: 'generation samples/s', value: result.generationSamplesPerSecond.toFixed(1) },
    { figure: 'Postgres ingest rows/s (samples + grades)', value: result.postgresIngestRowsPerSecond.toFixed(1) },
    {
      figure: 'Postgres connections opened (pg_stat_database.sessions)',
      value: `${pgSessionsOpened} (${((pgSessionsOpened / wallSeconds) * 60).toFixed(1)} per minute)`,
    },
    {
      figure: 'Redis prefix max (MEMORY USAGE sum)',
      value: `${(redisMax / 1024).toFixed(0)} KiB in ${redisKeysMax} keys (bound ${flags['redis-bound-mib']} MiB: ${redisMax < REDIS_BOUND ? 'ok' : 'EXCEEDED'})`,
    },
    {
      figure: 'Postgres bytes per sample (samples + grades)',
      value: (((tableBytes.samples ?? 0) + (tableBytes.grades ?? 0)) / Math.max(1, rowCounts.samples)).toFixed(0),
    },
    {
      figure: 'S3 trajectory bytes per sample',
      value: audit ? `${(s3Bytes / Math.max(1, rowCounts.samples)).toFixed(0)} (${s3Objects} objects)` : '(not audited)',
    },
    { figure: 'lost / duplicated', value: audit ? `${audit.lost} / ${audit.duplicated}` : '(not audited)' },
    { figure: 'dataset rows', value: String(rowCounts.dataset_items) },
  ]),
);
console.log(
  `\n${formatTable([
    ...[...cpuByRole.entries()].map(([role, cpu]) => {
      const rss = rssByRole.get(role) ?? [];
      return {
        service: TEST_DOUBLES.has(role) ? `${role} (test double)` : role,
        processes: rss.length,
        'cpu s': cpu.toFixed(0),
        'cpu share': `${((cpu / Math.max(totalCpu, 1e-9)) * 100).toFixed(0)}%`,
        'rss first q MiB': rss.map((r) => (r.first / 2 ** 20).toFixed(0)).join('/'),
        'rss last q MiB': rss.map((r) => (r.last / 2 ** 20).toFixed(0)).join('/'),
        'rss growth': rss.map((r) => `${(r.growth * 100).toFixed(1)}%`).join('/'),
        'heap first q MiB': (heapByRole.get(role) ?? []).map((h) => (h.first / 2 ** 20).toFixed(0)).join('/') || '-',
        'heap growth': (heapByRole.get(role) ?? []).map((h) => `${(h.growth * 100).toFixed(1)}%`).join('/') || '-',
      };
    }),
    ...Object.entries(storeCpuSeconds).map(([comm, cpu]) => ({
      service: { postgres: 'postgres (backends)', python3: 'sandbox python (fork servers)' }[comm] ?? comm,
      processes: '-',
      'cpu s': cpu.toFixed(0),
      'cpu share': `${((cpu / Math.max(totalCpu, 1e-9)) * 100).toFixed(0)}%`,
    })),
  ])}\nbusy cores: ${(result.coreUtilisation * 100).toFixed(0)}% of ${availableParallelism()} over the run\n`,
);
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results', 'scale.json'), JSON.stringify({ ...result, series }, null, 2));

if (flags.profile) {
  // A graceful stop lets each process write its profile on exit.
  await Promise.all(children.map((c) => stopGracefully(c.child, 20_000)));
  for (const [i, c] of children.entries()) {
    const path = join(PROFILE_DIR, `${c.role}-${i}.cpuprofile`);
    try {
      console.log(`\nhottest functions, ${c.role} (pid ${c.child.pid}, ${path}):`);
      console.log(formatTable(hotFunctions(path, ROOT).map((h) => ({ self: `${(h.selfShare * 100).toFixed(1)}%`, function: h.fn }))));
    } catch (error) {
      console.log(`  no profile: ${String(error)}`);
    }
  }
}
for (const c of children) if (c.child.exitCode === null) c.child.kill(c.role === 's3' ? 'SIGTERM' : 'SIGKILL');
await sleep(500);
await deleteRedisPrefix(redis, queuePrefix);
redis.disconnect();
s3Client.destroy();
await db.destroy();
await database.drop();
const rssOk = [...rssByRole.entries()].every(([role, list]) => TEST_DOUBLES.has(role) || list.every((r) => r.growth < 0.1));
console.log(`RSS growth first -> last quarter below 10% for every service (test doubles aside): ${rssOk ? 'ok' : 'NO (see table)'}`);
if (status !== 'completed' || redisMax >= REDIS_BOUND || (flags.audit && (audit?.lost !== 0 || audit.duplicated !== 0))) {
  console.error(`scale run did not complete cleanly (status ${status})\n${logTail}`);
  process.exit(1);
}
process.exit(0);
