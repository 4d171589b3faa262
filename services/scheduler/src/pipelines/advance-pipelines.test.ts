import { getCampaign, getModel, transitionPipelineStep, transitionTrainingRun } from '@rft/db';
import { CampaignStepOutput, TrainStepOutput } from '@rft/pipeline';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, deleteRedisPrefix, itemsOf, type TestEnv } from '@rft/testing';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { advancePipelines } from './advance-pipelines.ts';
import {
  campaignCount as countCampaigns,
  campaignQuestionIds,
  MODELS,
  runCampaign as run,
  runCampaignFailing,
  START_SPEC as SPEC,
  stepRow,
  stepStatuses,
  submitPipeline,
  succeedSelectStep,
} from './pipeline-fixture.ts';

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
const submit = (spec?: object) => submitPipeline(env, spec);
const status = (id: string) => stepStatuses(env, id);
const output = async (id: string, step: string) => (await stepRow(env, id, step)).output;
const campaignCount = () => countCampaigns(env);
const runCampaign = (id: string, correct: (q: string) => boolean) => run(env, id, correct);
const questionIds = (id: string) => campaignQuestionIds(env, id);

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
  await succeedSelectStep(env, id, 'seed-select', hint.campaignId!, 'd-seed');

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
  const held = await tick();
  expect(held.started).toEqual([]);
  expect(held.held).toEqual([
    { pipelineId: id, step: 'rft', by: 'serve-start-0', status: 'failed', reason: 'endpoint never listed start-0' },
    { pipelineId: id, step: 'eval', by: 'serve-start-0', status: 'failed', reason: 'endpoint never listed start-0' },
  ]);
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
  const id = await submit({ name: 'one', models: MODELS, steps: { greedy: SPEC.steps.greedy } });
  await tick();
  const { campaignId } = CampaignStepOutput.parse(await output(id, 'greedy'));
  await runCampaignFailing(env, campaignId!, ['q0'], 'replica exploded');
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'greedy', status: 'partial' }]);
  expect((await stepRow(env, id, 'greedy')).reason).toMatch(/1 of 5 work items failed.*replica exploded/);

  await transitionPipelineStep(env.db, { pipelineId: id, step: 'greedy', to: 'waiting', detail: { actor: 'ops' }, at: new Date() });
  const campaigns = await campaignCount();
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'greedy' }]);
  expect(await campaignCount()).toBe(campaigns);
  expect((await itemsOf(env.db, campaignId!)).map((i) => i.status)).toEqual(['pending', 'graded', 'graded', 'graded', 'graded']);
});

test('two schedulers racing start a step once', async () => {
  const id = await submit({ name: 'race', models: MODELS, steps: { greedy: SPEC.steps.greedy } });
  const [a, b] = await Promise.all([tick(), tick()]);
  expect([...a.started, ...b.started]).toEqual([{ pipelineId: id, step: 'greedy' }]);
  expect(await campaignCount()).toBe(1);
});

test('a step whose input is missing fails with the reason instead of retrying forever', async () => {
  const id = await submit({
    name: 'missing',
    models: MODELS,
    steps: { greedy: { kind: 'campaign', model: 'base', questions: 'nowhere.jsonl', recipe: 'greedy' } },
  });
  await tick();
  expect(await stepRow(env, id, 'greedy')).toMatchObject({
    status: 'failed',
    reason: expect.stringContaining('submitted without "nowhere.jsonl"'),
  });
});
