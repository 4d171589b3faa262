import {
  createApiToken,
  insertGrades,
  insertSamples,
  recordFailure,
  startAttempt,
  finishGeneration,
  markGraded,
  type ApiRole,
  type Db,
  type WorkKey,
} from '@rft/db';
import { parseCampaignSpec, parseQuestionFile, registerCampaign } from '@rft/intake';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { createS3Client } from '@rft/storage';
import { createTestEnv, testS3Settings, type TestEnv } from '@rft/testing';
import { silentLogger } from '@rft/telemetry';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './build-app.ts';
import type { RunLauncher } from './run-launcher.ts';
import { createS3Presigner, createS3UploadPresigner } from './s3-presigner.ts';

/** Test support (not exported from the package index): a real API over an isolated test environment. */

export type TokenName = 'submitter' | 'otherTeam' | 'operator' | 'launcher' | 'admin';

export interface ApiFixture {
  env: TestEnv;
  app: FastifyInstance;
  queues: JobQueues;
  tokens: Record<TokenName, string>;
  auth(name: TokenName): { authorization: string };
  close(): Promise<void>;
}

export const TEAM = 'vision';

export async function createApiFixture(
  opts: { launcher?: RunLauncher | ((env: TestEnv) => RunLauncher); statusCacheMs?: number } = {},
): Promise<ApiFixture> {
  const env = await createTestEnv();
  const queues = createJobQueues(env.redis, env.queuePrefix);
  const s3 = createS3Client(testS3Settings(env.s3Endpoint, env.s3Prefix));
  const app = await buildApp({
    db: env.db,
    queues,
    store: env.store,
    presign: createS3Presigner(s3, { bucket: env.store.bucket, prefix: env.s3Prefix }),
    presignUpload: createS3UploadPresigner(s3, { bucket: env.store.bucket, prefix: env.s3Prefix }),
    log: silentLogger(),
    ...(opts.launcher ? { launcher: typeof opts.launcher === 'function' ? opts.launcher(env) : opts.launcher } : {}),
    // Tests change the ledger directly and read it back at once; the cache has its own tests.
    options: { statusCacheMs: opts.statusCacheMs ?? 0 },
  });
  const make = async (name: string, role: ApiRole, team: string | null) =>
    (await createApiToken(env.db, { name, role, team, createdBy: 'fixture' })).token;
  const tokens: Record<TokenName, string> = {
    submitter: await make('alice', 'submitter', TEAM),
    otherTeam: await make('bob', 'submitter', 'nlp'),
    operator: await make('oncall', 'operator', null),
    launcher: await make('trainer', 'launcher', null),
    admin: await make('root', 'admin', null),
  };
  return {
    env,
    app,
    queues,
    tokens,
    auth: (name) => ({ authorization: `Bearer ${tokens[name]}` }),
    async close() {
      await app.close();
      await queues.close();
      s3.destroy();
      await env.cleanup();
    },
  };
}

export const specYaml = (opts: { name?: string; team?: string; samples?: number; shardSize?: number } = {}) => `
name: ${opts.name ?? 'gsm-rft'}
team: ${opts.team ?? TEAM}
model: { name: sim-7b }
stages:
  - { name: rft, recipe: rft, samples: ${opts.samples ?? 4} }
shardSize: ${opts.shardSize ?? 2}
`;

export const questionsJsonl = (n: number, prefix = 'q') =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, kind: 'math', problem: `What is ${i} + 1?`, answer: String(i + 1) }),
  ).join('\n');

/** Registers a campaign straight through intake (as the API would). */
export async function seedCampaign(
  db: Db,
  opts: { name?: string; team?: string; questions?: number; samples?: number; shardSize?: number } = {},
): Promise<string> {
  const spec = parseCampaignSpec(specYaml(opts), 'spec.yaml');
  const questions = parseQuestionFile(new TextEncoder().encode(questionsJsonl(opts.questions ?? 4)), 'q.jsonl');
  return registerCampaign(db, spec, questions, 'fixture');
}

/**
 * Does what a rollout worker and a grader do for one item: claims an attempt, stores the missing
 * samples (first writer wins), marks it generated, grades every sample and marks it graded.
 * `correct(i)` decides sample i's verdict.
 */
export async function completeItemAsWorkers(
  db: Db,
  key: WorkKey,
  opts: {
    correct?: (sampleIndex: number) => boolean;
    toolCalls?: (sampleIndex: number) => number;
    reasons?: (sampleIndex: number) => string[];
  } = {},
): Promise<{ attempt: number; inserted: number } | null> {
  const started = await startAttempt(db, key, 'worker-test');
  if (!started) return null;
  const samples = Array.from({ length: started.samplesExpected }, (_, i) => ({
    sampleIndex: i,
    seed: 1000 + i,
    recipe: 'rft',
    endReason: 'stop',
    error: null,
    trajectoryKey: `campaigns/${key.campaignId}/trajectories/${key.stage}/${String(started.ordinal).padStart(8, '0')}/attempt-${started.attempt}.jsonl.zst`,
    trajectoryLine: i,
    turns: 2,
    toolCalls: opts.toolCalls?.(i) ?? i % 3,
    hints: 0,
    promptTokens: 200,
    cachedTokens: 150,
    completionTokens: 300 + 40 * i,
    tokensSaved: 0,
    latencyMs: 1500 + 10 * i,
  }));
  const inserted = await insertSamples(db, key, started.attempt, samples);
  if (!(await finishGeneration(db, key, started.attempt))) throw new Error('finishGeneration refused: samples missing or attempt fenced');
  const stored = await db
    .selectFrom('samples')
    .select(['id', 'sample_index'])
    .where('campaign_id', '=', key.campaignId)
    .where('question_id', '=', key.questionId)
    .where('stage', '=', key.stage)
    .execute();
  await insertGrades(
    db,
    stored.map((s) => {
      const correct = opts.correct?.(s.sample_index) ?? s.sample_index % 2 === 0;
      return {
        sampleId: s.id,
        graderVersion: 'test-1',
        correct,
        eligible: correct,
        reasons: opts.reasons?.(s.sample_index) ?? (correct ? [] : ['wrong_answer']),
        metrics: {},
      };
    }),
  );
  await markGraded(db, key);
  return { attempt: started.attempt, inserted };
}

/** What a worker does after its last retry failed: claim, record the final failure with a reason. */
export async function failItemAsWorker(db: Db, key: WorkKey, reason: string): Promise<void> {
  await startAttempt(db, key, 'worker-test');
  await recordFailure(db, key, reason, true);
}

export async function itemsOf(db: Db, campaignId: string): Promise<Array<WorkKey & { status: string; shardIndex: number }>> {
  const rows = await db
    .selectFrom('question_stages')
    .select(['campaign_id', 'question_id', 'stage', 'status', 'shard_index'])
    .where('campaign_id', '=', campaignId)
    .orderBy('ordinal')
    .execute();
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    questionId: r.question_id,
    stage: r.stage,
    status: r.status,
    shardIndex: r.shard_index,
  }));
}
