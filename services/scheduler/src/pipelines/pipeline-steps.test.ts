import {
  cancelPendingItems,
  getCampaign,
  getTrainingRun,
  insertGrades,
  setCampaignStatus,
  transitionPipelineStep,
  transitionTrainingRun,
} from '@rft/db';
import { CampaignStepOutput, EvalStepOutput, TrainStepOutput } from '@rft/pipeline';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, deleteRedisPrefix, itemsOf, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { advancePipelines, type PipelineTickOptions } from './advance-pipelines.ts';
import {
  BENCHMARK,
  campaignCount,
  campaignQuestionIds,
  MODELS,
  runCampaign,
  runCampaignFailing,
  START_SPEC,
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

const tick = (opts: Partial<PipelineTickOptions> = {}) =>
  advancePipelines({ db: env.db, queues, store: env.store, log: silentLogger() }, { lostJobGraceMs: 60_000, ...opts });
const retry = (pipelineId: string, step: string) =>
  transitionPipelineStep(env.db, { pipelineId, step, to: 'waiting', detail: { actor: 'ops' }, at: new Date() });

const greedy = START_SPEC.steps.greedy;
const benchmarks = START_SPEC.benchmarks;
const evalSpec = (step: object) => ({ name: 'eval-only', models: MODELS, benchmarks, steps: { eval: step } });

test('eval recipes: greedy with tools at the default cap, k samples at a temperature, tools off for the ablation', async () => {
  const stages = async (step: object) => {
    const id = await submitPipeline(env, evalSpec(step));
    await tick();
    const { campaigns } = EvalStepOutput.parse((await stepRow(env, id, 'eval')).output);
    const campaign = await getCampaign(env.db, campaigns[0]!.campaignId);
    expect(await campaignQuestionIds(env, campaigns[0]!.campaignId)).toEqual(BENCHMARK.map((b) => b.id));
    return (campaign!.spec as { stages: object[] }).stages[0];
  };
  expect(await stages({ kind: 'eval', benchmarks: ['held'], models: ['base'], recipe: { mode: 'greedy' } })).toMatchObject({
    recipe: 'greedy',
    tools: { enabled: true, maxCalls: 6 },
  });
  expect(
    await stages({
      kind: 'eval',
      benchmarks: ['held'],
      models: ['base'],
      recipe: { mode: 'sampled', samples: 8, temperature: 0.7, topP: 0.9 },
      tools: false,
    }),
  ).toMatchObject({ recipe: 'rft', samples: 8, sampling: { temperature: 0.7, topP: 0.9 }, tools: { enabled: false, maxCalls: 0 } });
});

test('an eval step ends with its worst campaign; its retry redoes failed items and replaces only a cancelled campaign', async () => {
  const id = await submitPipeline(env, {
    name: 'eval-two',
    models: { ...MODELS, other: { name: 'other-model', endpoints: ['http://127.0.0.1:11/'] } },
    benchmarks,
    steps: { eval: { kind: 'eval', benchmarks: ['held'], models: ['base', 'other'], recipe: { mode: 'greedy' } } },
  });
  await tick();
  const [base, other] = EvalStepOutput.parse((await stepRow(env, id, 'eval')).output).campaigns;
  await runCampaign(env, base!.campaignId, () => true);
  await runCampaignFailing(env, other!.campaignId, ['b1'], 'replica exploded');
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'eval', status: 'partial' }]);
  expect((await stepRow(env, id, 'eval')).reason).toContain('1 of 2 work items failed');

  // Retry: the completed campaign is kept, the other redoes its one failed item.
  const before = await campaignCount(env);
  await retry(id, 'eval');
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'eval' }]);
  expect(EvalStepOutput.parse((await stepRow(env, id, 'eval')).output).campaigns).toEqual([base, other]);
  expect(await campaignCount(env)).toBe(before);
  expect((await itemsOf(env.db, other!.campaignId)).map((i) => `${i.questionId}:${i.status}`)).toEqual(['b0:graded', 'b1:pending']);

  // Cancelled meanwhile: the step fails; a retry registers a new campaign for that pair alone.
  await setCampaignStatus(env.db, other!.campaignId, 'cancelled');
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'eval', status: 'failed' }]);
  await retry(id, 'eval');
  await tick();
  const after = EvalStepOutput.parse((await stepRow(env, id, 'eval')).output).campaigns;
  expect(after[0]).toEqual(base);
  expect(after[1]).toMatchObject({ model: 'other', benchmark: 'held' });
  expect(after[1]!.campaignId).not.toBe(other!.campaignId);
  expect(await campaignCount(env)).toBe(before + 1);
});

test('a campaign step nobody is admitted to succeeds without a campaign', async () => {
  const id = await submitPipeline(env, {
    name: 'none-wrong',
    models: MODELS,
    steps: { greedy, hint: START_SPEC.steps.hint },
  });
  await tick();
  const first = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output);
  await runCampaign(env, first.campaignId!, () => true);
  const before = await campaignCount(env);
  const started = await tick();
  expect(started.started).toEqual([{ pipelineId: id, step: 'hint' }]);
  expect(await stepStatuses(env, id)).toEqual({ greedy: 'succeeded', hint: 'succeeded' });
  expect(CampaignStepOutput.parse((await stepRow(env, id, 'hint')).output)).toMatchObject({
    campaignId: null,
    questions: 5,
    admitted: 0,
    refusedByRule: 5,
  });
  expect(await campaignCount(env)).toBe(before);
});

test('the campaigns a pipeline registers belong to its team', async () => {
  const id = await submitPipeline(env, { name: 'team-vision', team: 'vision', models: MODELS, steps: { greedy } });
  await tick();
  const { campaignId } = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output);
  const campaign = await env.db.selectFrom('campaigns').select('team').where('id', '=', campaignId!).executeTakeFirstOrThrow();
  expect(campaign.team).toBe('vision');
});

test('admission reads each sample`s newest grade: a regrade that finds a greedy answer wrong admits the question', async () => {
  const id = await submitPipeline(env, { name: 'regrade', models: MODELS, steps: { greedy, hint: START_SPEC.steps.hint } });
  await tick();
  const { campaignId } = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output);
  await runCampaign(env, campaignId!, () => true);
  const sample = await env.db
    .selectFrom('samples')
    .select('id')
    .where('campaign_id', '=', campaignId!)
    .where('question_id', '=', 'q1')
    .executeTakeFirstOrThrow();
  await insertGrades(env.db, [
    { sampleId: sample.id, graderVersion: 'test-2', correct: false, eligible: false, reasons: ['wrong_answer'], metrics: {} },
  ]);
  await tick();
  const hint = CampaignStepOutput.parse((await stepRow(env, id, 'hint')).output);
  expect(await campaignQuestionIds(env, hint.campaignId!)).toEqual(['q1']);
});

test('a failed training run fails its step with the run`s reason; the retry trains a new run', async () => {
  const id = await submitPipeline(env, {
    name: 'train-retry',
    models: MODELS,
    steps: {
      greedy,
      pick: { kind: 'select', policy: 'rft', from: 'greedy' },
      train: { kind: 'train', dataset: 'pick', base: 'base', profile: 'train.yaml', produces: 'start-x' },
    },
  });
  await tick();
  const { campaignId } = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output);
  await runCampaign(env, campaignId!, () => true);
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'pick' }]);
  await succeedSelectStep(env, id, 'pick', campaignId!, 'd-pick');

  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'train' }]);
  const first = TrainStepOutput.parse((await stepRow(env, id, 'train')).output);
  expect(await getTrainingRun(env.db, first.runId)).toMatchObject({
    datasetId: 'd-pick',
    backend: 'bundle',
    profile: { nodes: 1 },
    config: { epochs: 1 },
    status: 'submitting',
  });
  await transitionTrainingRun(env.db, { id: first.runId, to: 'failed', error: 'NCCL timeout on node 3', at: new Date() });
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'train', status: 'failed' }]);
  expect((await stepRow(env, id, 'train')).reason).toBe(`training run ${first.runId} failed: NCCL timeout on node 3`);

  await retry(id, 'train');
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'train' }]);
  const second = TrainStepOutput.parse((await stepRow(env, id, 'train')).output);
  expect(second.runId).not.toBe(first.runId);
  expect(await queues.exists('launch-run', { runId: second.runId })).toBe(true);
});

test('a tick is bounded: it looks at a slice of pipelines and starts a few steps; the next tick continues', async () => {
  const ids = [];
  for (const n of [0, 1, 2]) ids.push(await submitPipeline(env, { name: `p${n}`, models: MODELS, steps: { greedy } }));
  ids.sort();
  const first = await tick({ maxPipelines: 2 });
  expect(first.started.map((s) => s.pipelineId)).toEqual(ids.slice(0, 2));
  expect(first.next).toBe(ids[1]);
  const second = await tick({ maxPipelines: 2, after: first.next });
  expect(second.started.map((s) => s.pipelineId)).toEqual([ids[2]]);

  const wide = await submitPipeline(env, {
    name: 'wide',
    models: MODELS,
    steps: { a: greedy, b: greedy, c: greedy },
  });
  expect((await tick({ maxStarts: 2 })).started).toEqual([
    { pipelineId: wide, step: 'a' },
    { pipelineId: wide, step: 'b' },
  ]);
  expect((await tick({ maxStarts: 2 })).started).toEqual([{ pipelineId: wide, step: 'c' }]);
  expect(await stepStatuses(env, wide)).toEqual({ a: 'running', b: 'running', c: 'running' });
});

test('a select job lost with Redis is enqueued again once the step has been quiet for the grace, and then not before the next grace', async () => {
  const id = await submitPipeline(env, {
    name: 'lost-select',
    models: MODELS,
    steps: { greedy, pick: { kind: 'select', policy: 'rft', from: 'greedy' } },
  });
  await tick();
  await runCampaign(env, CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output).campaignId!, () => true);
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'pick' }]);
  const job = { pipelineId: id, step: 'pick' };
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  expect((await tick({ lostJobGraceMs: 30_000 })).recovered).toBe(0);
  // Quiet for a minute: the job is checked, found missing and enqueued again.
  await sql`UPDATE pipeline_steps SET updated_at = now() - interval '1 minute' WHERE pipeline_id = ${id} AND name = 'pick'`.execute(env.db);
  expect((await tick({ lostJobGraceMs: 30_000 })).recovered).toBe(1);
  expect(await queues.exists('select-step', job)).toBe(true);
  // Lost again at once: not re-enqueued on every tick, only after another grace.
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  expect((await tick({ lostJobGraceMs: 30_000 })).recovered).toBe(0);
  expect(await stepStatuses(env, id)).toEqual({ greedy: 'succeeded', pick: 'running' });
});

test('a campaign step whose campaign was cancelled fails; its retry registers a new campaign, a partial one redoes failed items with an audit', async () => {
  const id = await submitPipeline(env, { name: 'cancelled', models: MODELS, steps: { greedy } });
  await tick();
  const first = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output).campaignId!;
  // As POST /v1/campaigns/:id/cancel does: its pending items settle failed, so a blind retry would redo them.
  await env.db.transaction().execute(async (tx) => {
    await setCampaignStatus(tx, first, 'cancelled');
    await cancelPendingItems(tx, first, 'campaign cancelled by ops');
  });
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'greedy', status: 'failed' }]);
  expect((await stepRow(env, id, 'greedy')).reason).toBe(`campaign ${first} cancelled`);
  await retry(id, 'greedy');
  expect((await tick()).started).toEqual([{ pipelineId: id, step: 'greedy' }]);
  const second = CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output).campaignId!;
  expect(second).not.toBe(first);
  expect((await getCampaign(env.db, first))?.status).toBe('cancelled');
  expect(new Set((await itemsOf(env.db, first)).map((i) => i.status))).toEqual(new Set(['failed']));

  await runCampaignFailing(env, second, ['q2'], 'replica exploded');
  expect((await tick()).finished).toEqual([{ pipelineId: id, step: 'greedy', status: 'partial' }]);
  await retry(id, 'greedy');
  await tick();
  expect(CampaignStepOutput.parse((await stepRow(env, id, 'greedy')).output).campaignId).toBe(second);
  const audit = await env.db.selectFrom('audit_events').select(['actor', 'after']).where('action', '=', 'campaign.retry').execute();
  expect(audit).toEqual([{ actor: 'scheduler', after: { itemsMovedToPending: 1, by: 'pipeline step retry' } }]);
});
