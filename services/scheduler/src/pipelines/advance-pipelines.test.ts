import { createHash, randomUUID } from 'node:crypto';
import {
  finishCampaign,
  getCampaign,
  getModel,
  insertDataset,
  insertPipeline,
  pipelineSteps,
  registerBenchmark,
  setCampaignStatus,
  transitionPipelineStep,
  transitionTrainingRun,
} from '@rft/db';
import { CampaignStepOutput, type PipelineStepStatus, TrainStepOutput, validatePipelineSpec } from '@rft/pipeline';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { completeItemAsWorkers, createTestEnv, deleteRedisPrefix, itemsOf, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { advancePipelines } from './advance-pipelines.ts';

let env: TestEnv;
let queues: JobQueues;
beforeEach(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
});
afterEach(async () => {
  await queues.close();
  await env.cleanup();
});

const log = silentLogger();
const tick = (lostJobGraceMs = 60_000) => advancePipelines({ db: env.db, queues, store: env.store, log }, { lostJobGraceMs });

// A benchmark problem long enough for 13-word n-grams, a training question that copies it inside
// other words (excluded), and one that shares only 12 consecutive words with it (kept).
const BENCH_PROBLEM = 'Let x be the number of ordered pairs of positive integers whose product equals the sum of their squares plus seven';
const PLANTED = `Compute this: ${BENCH_PROBLEM}. Give x.`;
const NEAR_MISS = 'Let x be the number of ordered pairs of positive integers whose sum is three';

const questions = [
  { id: 'q0', kind: 'math', problem: 'What is 1 + 1?', answer: '2' },
  { id: 'q1', kind: 'math', problem: 'What is 2 + 2?', answer: '4' },
  { id: 'q2', kind: 'math', problem: 'What is 3 + 3?', answer: '6' },
  { id: 'near', kind: 'math', problem: NEAR_MISS, answer: '0' },
  { id: 'planted', kind: 'math', problem: PLANTED, answer: '1' },
];
const benchmark = [{ id: 'b0', kind: 'math', problem: BENCH_PROBLEM, answer: '1' }];

const SPEC = {
  name: 'start-test',
  models: { base: { name: 'base-model', endpoints: ['http://127.0.0.1:9/'], profile: 'qwq-32b' } },
  benchmarks: { held: { file: 'bench.jsonl' } },
  decontamination: { benchmarks: ['held'], ngram: 13 },
  steps: {
    greedy: { kind: 'campaign', model: 'base', questions: 'train.jsonl', recipe: 'greedy' },
    hint: {
      kind: 'campaign',
      model: 'base',
      questions: 'train.jsonl',
      recipe: 'hint-infer',
      admit: { step: 'greedy', questions: 'graded-wrong' },
    },
    'seed-select': { kind: 'select', policy: 'hint-rft', greedy: 'greedy', hint: 'hint' },
    'train-start-0': { kind: 'train', dataset: 'seed-select', base: 'base', profile: 'train.yaml', produces: 'start-0' },
    'serve-start-0': { kind: 'serve', checkpoint: 'train-start-0', backend: { type: 'external' } },
    rft: { kind: 'campaign', model: 'serve-start-0', questions: 'train.jsonl', recipe: 'rft', samples: 2 },
    eval: { kind: 'eval', benchmarks: ['held'], models: ['base', 'serve-start-0'], recipe: { mode: 'greedy' } },
  },
};

const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

async function submit(spec: object = SPEC, files: Record<string, string> = {}): Promise<string> {
  const id = randomUUID();
  const { spec: valid } = validatePipelineSpec(spec, 'spec');
  const contents: Record<string, string> = {
    'train.jsonl': jsonl(questions),
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
  const benchText = jsonl(benchmark);
  const benchKey = `benchmarks/held/${createHash('sha256').update(benchText).digest('hex')}.jsonl`;
  await env.store.put(benchKey, benchText);
  await registerBenchmark(env.db, {
    name: 'held',
    objectKey: benchKey,
    sha256: benchKey.slice(15, 79),
    problems: 1,
    createdBy: 't',
    at: new Date(),
  });
  await insertPipeline(env.db, {
    id,
    name: valid.name,
    spec: valid as unknown as Record<string, unknown>,
    steps: Object.entries(valid.steps).map(([name, s]) => ({ name, kind: s.kind })),
    files: stored,
    at: new Date(),
  });
  return id;
}

async function status(id: string): Promise<Record<string, PipelineStepStatus>> {
  return Object.fromEntries((await pipelineSteps(env.db, id)).map((s) => [s.name, s.status]));
}
async function output(id: string, step: string) {
  return (await pipelineSteps(env.db, id)).find((s) => s.name === step)!.output;
}
const campaignCount = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM campaigns`.execute(env.db)).rows[0]!.n;

/** Does what workers, grader and curator do to a campaign: every item graded (`correct` per question), then ended. */
async function runCampaign(campaignId: string, correct: (questionId: string) => boolean): Promise<void> {
  for (const item of await itemsOf(env.db, campaignId))
    await completeItemAsWorkers(env.db, item, { correct: () => correct(item.questionId) });
  await setCampaignStatus(env.db, campaignId, 'curating', { from: ['running'] });
  await finishCampaign(env.db, campaignId);
}

async function questionIds(campaignId: string): Promise<string[]> {
  const rows = await env.db
    .selectFrom('questions')
    .select('question_id')
    .where('campaign_id', '=', campaignId)
    .orderBy('ordinal')
    .execute();
  return rows.map((r) => r.question_id);
}

test('advances greedy -> hint (greedy wrong only) -> select -> train -> serve -> rft -> eval, surviving a restart and a Redis wipe', async () => {
  const id = await submit();
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'greedy' }]);
  expect(await getModel(env.db, 'base')).toMatchObject({ lineage: { kind: 'base' }, profile: 'qwq-32b' });

  // Decontamination: the planted copy is excluded with its reason, the 12-word near miss is kept.
  const greedy = CampaignStepOutput.parse(await output(id, 'greedy'));
  expect(greedy).toMatchObject({ questions: 5, admitted: 4, excludedByBenchmark: { held: 1 } });
  expect(greedy.exclusions).toEqual([
    expect.objectContaining({
      questionId: 'planted',
      benchmark: 'held',
      problemId: 'b0',
      match: 'ngram',
      span: expect.stringContaining('ordered pairs'),
    }),
  ]);
  expect(await questionIds(greedy.campaignId!)).toEqual(['q0', 'q1', 'q2', 'near']);

  // Nothing moves while the campaign runs; a replayed tick starts nothing twice.
  expect((await tick()).started).toEqual([]);
  await runCampaign(greedy.campaignId!, (q) => q === 'q0' || q === 'q1');
  const afterGreedy = await tick();
  expect(afterGreedy.finished).toEqual([{ pipelineId: id, step: 'greedy', status: 'succeeded' }]);
  expect(afterGreedy.started).toEqual([{ pipelineId: id, step: 'hint' }]);

  // Admission: Hint-infer only samples the questions greedy got wrong.
  const hint = CampaignStepOutput.parse(await output(id, 'hint'));
  expect(hint).toMatchObject({ admitted: 2, refusedByRule: 2, ungraded: 0 });
  expect(await questionIds(hint.campaignId!)).toEqual(['q2', 'near']);

  // A scheduler restart (new queues) and a Redis wipe change nothing: no second campaign.
  const before = await campaignCount();
  await queues.close();
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  queues = createJobQueues(env.redis, env.queuePrefix);
  expect((await tick()).started).toEqual([]);
  expect(await campaignCount()).toBe(before);

  await runCampaign(hint.campaignId!, () => true);
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'seed-select' }]);
  expect(await queues.exists('select-step', { pipelineId: id, step: 'seed-select' })).toBe(true);
  // The select job is lost with Redis: the ledger enqueues it again.
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  expect((await tick(0)).recovered).toBe(1);
  expect(await queues.exists('select-step', { pipelineId: id, step: 'seed-select' })).toBe(true);

  // The curator's part: a dataset version, and the step moved by it.
  const sample = await env.db
    .selectFrom('samples')
    .select(['id', 'question_id'])
    .where('campaign_id', '=', hint.campaignId!)
    .executeTakeFirstOrThrow();
  await insertDataset(env.db, {
    id: 'd-seed',
    campaignId: hint.campaignId!,
    name: 'd-seed',
    selection: {},
    storagePrefix: 'datasets/d-seed',
    manifestKey: 'datasets/d-seed/manifest.json',
    manifestSha256: 'x',
    createdBy: 'curator',
    items: [{ sampleId: sample.id, questionId: sample.question_id }],
  });
  await transitionPipelineStep(env.db, {
    pipelineId: id,
    step: 'seed-select',
    to: 'succeeded',
    output: { datasetId: 'd-seed', rows: 1 },
    at: new Date(),
  });

  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'train-start-0' }]);
  const train = TrainStepOutput.parse(await output(id, 'train-start-0'));
  expect(train.model).toBe('start-0');
  expect(await queues.exists('launch-run', { runId: train.runId })).toBe(true);
  await transitionTrainingRun(env.db, { id: train.runId, to: 'succeeded', at: new Date() });
  const afterTrain = await tick();
  expect(afterTrain.finished).toEqual([{ pipelineId: id, step: 'train-start-0', status: 'succeeded' }]);
  expect(await getModel(env.db, 'start-0')).toMatchObject({
    profile: 'qwq-32b',
    lineage: { kind: 'trained', baseModel: 'base', trainingRunId: train.runId, datasetId: 'd-seed' },
  });
  expect(afterTrain.started).toEqual([{ pipelineId: id, step: 'serve-start-0' }]);

  // A failed serve holds everything after it; a retry resumes the chain.
  await transitionPipelineStep(env.db, {
    pipelineId: id,
    step: 'serve-start-0',
    to: 'failed',
    reason: 'endpoint never listed start-0',
    at: new Date(),
  });
  expect((await tick()).started).toEqual([]);
  expect(await status(id)).toMatchObject({ 'serve-start-0': 'failed', rft: 'waiting', eval: 'waiting' });
  await transitionPipelineStep(env.db, { pipelineId: id, step: 'serve-start-0', to: 'waiting', detail: { actor: 'ops' }, at: new Date() });
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'serve-start-0' }]);
  expect(await queues.exists('serve-model', { pipelineId: id, step: 'serve-start-0' })).toBe(true);
  await transitionPipelineStep(env.db, {
    pipelineId: id,
    step: 'serve-start-0',
    to: 'succeeded',
    output: { model: 'start-0', endpoints: ['http://127.0.0.1:10/'], externalId: null },
    at: new Date(),
  });

  // RFT samples the trained model, at the endpoint its serve step registered; eval runs both models.
  expect((await tick()).started).toEqual([
    { pipelineId: id, step: 'rft' },
    { pipelineId: id, step: 'eval' },
  ]);
  const rft = CampaignStepOutput.parse(await output(id, 'rft'));
  const rftCampaign = await getCampaign(env.db, rft.campaignId!);
  expect(rftCampaign?.spec).toMatchObject({ model: { name: 'start-0', endpoints: ['http://127.0.0.1:10/'], profile: 'qwq-32b' } });
  const evalOut = (await output(id, 'eval')) as { campaigns: Array<{ model: string; benchmark: string; campaignId: string }> };
  expect(evalOut.campaigns.map((c) => `${c.model}/${c.benchmark}`)).toEqual(['base/held', 'start-0/held']);

  await runCampaign(rft.campaignId!, () => true);
  for (const c of evalOut.campaigns) await runCampaign(c.campaignId, () => true);
  expect((await tick()).finished).toEqual([
    { pipelineId: id, step: 'eval', status: 'succeeded' },
    { pipelineId: id, step: 'rft', status: 'succeeded' },
  ]);
  expect(Object.values(await status(id)).every((s) => s === 'succeeded')).toBe(true);
});

test('a campaign step that ends with failed items is partial, and its retry redoes only those items', async () => {
  const id = await submit({ name: 'one', models: SPEC.models, steps: { greedy: SPEC.steps.greedy } });
  await tick();
  const { campaignId } = CampaignStepOutput.parse(await output(id, 'greedy'));
  const items = await itemsOf(env.db, campaignId!);
  for (const item of items.slice(1)) await completeItemAsWorkers(env.db, item, { correct: () => true });
  await sql`UPDATE question_stages SET status = 'failed', last_error = 'replica exploded' WHERE campaign_id = ${campaignId} AND question_id = ${items[0]!.questionId}`.execute(
    env.db,
  );
  await setCampaignStatus(env.db, campaignId!, 'curating', { from: ['running'] });
  await finishCampaign(env.db, campaignId!);
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'greedy', status: 'partial' }]);
  expect((await pipelineSteps(env.db, id))[0]!.reason).toMatch(/1 of 5 work items failed.*replica exploded/);

  await transitionPipelineStep(env.db, { pipelineId: id, step: 'greedy', to: 'waiting', detail: { actor: 'ops' }, at: new Date() });
  const campaigns = await campaignCount();
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'greedy' }]);
  expect(await campaignCount()).toBe(campaigns);
  expect((await itemsOf(env.db, campaignId!)).map((i) => i.status)).toEqual(['pending', 'graded', 'graded', 'graded', 'graded']);
});

test('two schedulers racing start a step once', async () => {
  const id = await submit({ name: 'race', models: SPEC.models, steps: { greedy: SPEC.steps.greedy } });
  const [a, b] = await Promise.all([tick(), tick()]);
  expect([...a.started, ...b.started]).toEqual([{ pipelineId: id, step: 'greedy' }]);
  expect(await campaignCount()).toBe(1);
});

test('a step whose input is missing fails with the reason instead of retrying forever', async () => {
  const id = await submit({
    name: 'missing',
    models: SPEC.models,
    steps: { greedy: { kind: 'campaign', model: 'base', questions: 'nowhere.jsonl', recipe: 'greedy' } },
  });
  await tick();
  const [step] = await pipelineSteps(env.db, id);
  expect(step).toMatchObject({ status: 'failed', reason: expect.stringContaining('submitted without "nowhere.jsonl"') });
});
