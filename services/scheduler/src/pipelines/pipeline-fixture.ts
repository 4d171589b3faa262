import { createHash, randomUUID } from 'node:crypto';
import {
  finishCampaign,
  insertDataset,
  insertPipeline,
  pipelineSteps,
  registerBenchmark,
  setCampaignStatus,
  transitionPipelineStep,
} from '@rft/db';
import { type PipelineStepStatus, validatePipelineSpec } from '@rft/pipeline';
import { startFrontSteps } from '@rft/pipeline/testing';
import { completeItemAsWorkers, itemsOf, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';

/**
 * Test fixture for the pipeline engine: a pipeline submitted as the API stores it (files in the
 * object store, benchmarks registered), and what workers, grader and curator do to its campaigns.
 */

// A benchmark problem long enough for 13-word n-grams, a training question that copies it inside
// other words (excluded), and one that shares only 12 consecutive words with it (kept).
export const BENCH_PROBLEM =
  'Let x be the number of ordered pairs of positive integers whose product equals the sum of their squares plus seven';
const PLANTED = `Compute this: ${BENCH_PROBLEM}. Give x.`;
const NEAR_MISS = 'Let x be the number of ordered pairs of positive integers whose sum is three';

export const QUESTIONS = [
  { id: 'q0', kind: 'math', problem: 'What is 1 + 1?', answer: '2' },
  { id: 'q1', kind: 'math', problem: 'What is 2 + 2?', answer: '4' },
  { id: 'q2', kind: 'math', problem: 'What is 3 + 3?', answer: '6' },
  { id: 'near', kind: 'math', problem: NEAR_MISS, answer: '0' },
  { id: 'planted', kind: 'math', problem: PLANTED, answer: '1' },
];
export const BENCHMARK = [
  { id: 'b0', kind: 'math', problem: BENCH_PROBLEM, answer: '1' },
  { id: 'b1', kind: 'math', problem: 'What is 5 + 5?', answer: '10' },
];

export const MODELS = { base: { name: 'base-model', endpoints: ['http://127.0.0.1:9/'], profile: 'qwq-32b' } };

export const START_SPEC = {
  name: 'start-test',
  models: MODELS,
  benchmarks: { held: { file: 'bench.jsonl' } },
  decontamination: { benchmarks: ['held'], ngram: 13 },
  steps: {
    ...startFrontSteps('base', 'train.jsonl'),
    'train-start-0': { kind: 'train', dataset: 'seed-select', base: 'base', profile: 'train.yaml', produces: 'start-0' },
    'serve-start-0': { kind: 'serve', checkpoint: 'train-start-0', backend: { type: 'external' } },
    rft: { kind: 'campaign', model: 'serve-start-0', questions: 'train.jsonl', recipe: 'rft', samples: 2 },
    eval: { kind: 'eval', benchmarks: ['held'], models: ['base', 'serve-start-0'], recipe: { mode: 'greedy' } },
  },
};

export const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** Registers the `held` benchmark (once per database). */
async function registerHeld(env: TestEnv): Promise<void> {
  const text = jsonl(BENCHMARK);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const objectKey = `benchmarks/held/${sha256}.jsonl`;
  await env.store.put(objectKey, text);
  const exists = await env.db.selectFrom('benchmarks').select('name').where('name', '=', 'held').executeTakeFirst();
  if (!exists)
    await registerBenchmark(env.db, { name: 'held', objectKey, sha256, problems: BENCHMARK.length, createdBy: 't', at: new Date() });
}

/** Stores a pipeline as POST /v1/pipelines does: its files under pipelines/<id>/files/<sha256>, its steps waiting. */
export async function submitPipeline(env: TestEnv, spec: object = START_SPEC, files: Record<string, string> = {}): Promise<string> {
  const id = randomUUID();
  const { spec: valid } = validatePipelineSpec(spec, 'spec');
  const contents: Record<string, string> = {
    'train.jsonl': jsonl(QUESTIONS),
    'train.yaml': 'backend: bundle\ncluster: { nodes: 1 }\ntraining: { epochs: 1 }\n',
    ...files,
  };
  const stored: Record<string, { key: string; sha256: string; bytes: number }> = {};
  for (const [path, text] of Object.entries(contents)) {
    const sha256 = createHash('sha256').update(text).digest('hex');
    const key = `pipelines/${id}/files/${sha256}`;
    await env.store.put(key, text);
    stored[path] = { key, sha256, bytes: Buffer.byteLength(text) };
  }
  await registerHeld(env);
  await insertPipeline(env.db, {
    id,
    name: valid.name,
    spec: valid as unknown as Record<string, unknown>,
    steps: Object.entries(valid.steps).map(([name, s]) => ({ name, kind: s.kind })),
    files: stored,
    ...(valid.team ? { team: valid.team } : {}),
    at: new Date(),
  });
  return id;
}

export async function stepStatuses(env: TestEnv, id: string): Promise<Record<string, PipelineStepStatus>> {
  return Object.fromEntries((await pipelineSteps(env.db, id)).map((s) => [s.name, s.status]));
}

export async function stepRow(env: TestEnv, id: string, step: string) {
  const row = (await pipelineSteps(env.db, id)).find((s) => s.name === step);
  if (!row) throw new Error(`no step ${step}`);
  return row;
}

export const campaignCount = async (env: TestEnv) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM campaigns`.execute(env.db)).rows[0]!.n;

/** Does what workers, grader and curator do to a campaign: every item graded (`correct` per question), then ended. */
export async function runCampaign(env: TestEnv, campaignId: string, correct: (questionId: string) => boolean): Promise<void> {
  for (const item of await itemsOf(env.db, campaignId))
    await completeItemAsWorkers(env.db, item, { correct: () => correct(item.questionId) });
  await endCampaign(env, campaignId);
}

/** As `runCampaign`, but the items of `failing` questions fail with `error` (the campaign ends with failures). */
export async function runCampaignFailing(env: TestEnv, campaignId: string, failing: readonly string[], error: string): Promise<void> {
  for (const item of await itemsOf(env.db, campaignId))
    if (!failing.includes(item.questionId)) await completeItemAsWorkers(env.db, item, { correct: () => true });
  await sql`UPDATE question_stages SET status = 'failed', last_error = ${error}
    WHERE campaign_id = ${campaignId} AND question_id = ANY(${[...failing]}::text[])`.execute(env.db);
  await endCampaign(env, campaignId);
}

async function endCampaign(env: TestEnv, campaignId: string): Promise<void> {
  await setCampaignStatus(env.db, campaignId, 'curating', { from: ['running'] });
  await finishCampaign(env.db, campaignId);
}

export async function campaignQuestionIds(env: TestEnv, campaignId: string): Promise<string[]> {
  const rows = await env.db
    .selectFrom('questions')
    .select('question_id')
    .where('campaign_id', '=', campaignId)
    .orderBy('ordinal')
    .execute();
  return rows.map((r) => r.question_id);
}

/**
 * Does what the curator does for a select step: a one-row dataset version `datasetId` from a sample
 * of `campaignId`, and the step moved to succeeded with it.
 */
export async function succeedSelectStep(
  env: TestEnv,
  pipelineId: string,
  step: string,
  campaignId: string,
  datasetId: string,
): Promise<void> {
  const sample = await env.db
    .selectFrom('samples')
    .select(['id', 'question_id'])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  await insertDataset(env.db, {
    id: datasetId,
    campaignId,
    name: datasetId,
    selection: {},
    storagePrefix: `datasets/${datasetId}`,
    manifestKey: `datasets/${datasetId}/manifest.json`,
    manifestSha256: 'x',
    createdBy: 'curator',
    items: [{ sampleId: sample.id, questionId: sample.question_id }],
  });
  await transitionPipelineStep(env.db, { pipelineId, step, to: 'succeeded', output: { datasetId, rows: 1 }, at: new Date() });
}
