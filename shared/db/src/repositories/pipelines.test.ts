import { randomUUID } from 'node:crypto';
import { canTransitionPipelineStep, PIPELINE_STEP_STATUSES } from '@rft/pipeline';
import { completeItemAsWorkers, createTestEnv, itemsOf, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDataset } from './datasets.ts';
import { getModel, ModelConflictError, modelAncestry, registerModel, setModelEndpoints } from './models.ts';
import { insertPipeline, PipelineConflictError, pipelineStepEvents, pipelineSteps, transitionPipelineStep } from './pipelines.ts';
import { insertTrainingRun } from './training-runs.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const at = new Date('2026-01-01T00:00:00Z');
const later = (minutes: number) => new Date(at.getTime() + minutes * 60_000);

async function newPipeline(): Promise<string> {
  const id = randomUUID();
  await insertPipeline(env.db, {
    id,
    name: 'start',
    spec: { name: 'start' },
    steps: [
      { name: 'greedy', kind: 'campaign' },
      { name: 'serve-start-0', kind: 'serve' },
    ],
    at,
  });
  return id;
}

describe('pipeline step lifecycle', () => {
  it('leaves a done step never and reaches waiting again only by a retry of a failed or partial step', () => {
    expect(PIPELINE_STEP_STATUSES.filter((s) => canTransitionPipelineStep('succeeded', s))).toEqual([]);
    expect(PIPELINE_STEP_STATUSES.filter((s) => canTransitionPipelineStep('accepted', s))).toEqual([]);
    expect(PIPELINE_STEP_STATUSES.filter((s) => canTransitionPipelineStep(s, 'waiting'))).toEqual(['failed', 'partial']);
  });
});

describe('pipelines', () => {
  it('records every step waiting, and refuses the same pipeline twice', async () => {
    const id = await newPipeline();
    expect((await pipelineSteps(env.db, id)).map((s) => [s.name, s.kind, s.status])).toEqual([
      ['greedy', 'campaign', 'waiting'],
      ['serve-start-0', 'serve', 'waiting'],
    ]);
    await expect(insertPipeline(env.db, { id, name: 'again', spec: {}, steps: [{ name: 'x', kind: 'eval' }], at })).rejects.toThrow(
      PipelineConflictError,
    );
  });

  it('starts a step once when two schedulers race for it', async () => {
    const id = await newPipeline();
    const start = () =>
      transitionPipelineStep(env.db, { pipelineId: id, step: 'greedy', to: 'running', output: { campaignId: 'c1' }, at: later(1) });
    const outcomes = await Promise.all([start(), start(), start()]);
    expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
    expect((await pipelineStepEvents(env.db, id, 'greedy')).map((e) => e.status)).toEqual(['waiting', 'running']);
  });

  it('holds a failed serve step with its reason until a retry, and an accepted step never moves again', async () => {
    const id = await newPipeline();
    const move = (to: Parameters<typeof transitionPipelineStep>[1]['to'], extra: object = {}, minute = 1) =>
      transitionPipelineStep(env.db, { pipelineId: id, step: 'serve-start-0', to, at: later(minute), ...extra });
    await move('running');
    const failed = await move('failed', { reason: '/v1/models never listed start-0 within 30 min' }, 2);
    expect(failed).toMatchObject({ applied: true, step: { status: 'failed', reason: '/v1/models never listed start-0 within 30 min' } });
    // A failed step cannot be restarted without an operator's retry.
    expect(await move('running', {}, 3)).toMatchObject({ applied: false, step: { status: 'failed' } });
    expect((await move('waiting', { reason: null, detail: { retriedBy: 'oncall' } }, 4)).applied).toBe(true);
    await move('running', {}, 5);
    await move('partial', { reason: '1 of 2 replicas up' }, 6);
    expect((await move('accepted', { detail: { acceptedBy: 'oncall' } }, 7)).applied).toBe(true);
    expect(await move('waiting', {}, 8)).toMatchObject({ applied: false, step: { status: 'accepted' } });
    const events = await pipelineStepEvents(env.db, id, 'serve-start-0');
    expect(events.map((e) => e.status)).toEqual(['waiting', 'running', 'failed', 'waiting', 'running', 'partial', 'accepted']);
    expect(events[3]?.detail).toEqual({ retriedBy: 'oncall' });
  });

  it('reports a missing step as not applied, with no row', async () => {
    const id = await newPipeline();
    expect(await transitionPipelineStep(env.db, { pipelineId: id, step: 'nope', to: 'running', at })).toEqual({
      applied: false,
      step: null,
    });
  });
});

describe('models', () => {
  it('records a trained model with its base, training run and dataset, and walks the lineage to the base', async () => {
    const campaignId = await seedLedgerCampaign(env.db, { name: 'models-lineage', questions: 1, samples: 1 });
    for (const item of await itemsOf(env.db, campaignId)) await completeItemAsWorkers(env.db, item);
    const sample = await env.db
      .selectFrom('samples')
      .select(['id', 'question_id'])
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow();
    const datasetId = `d-${randomUUID()}`;
    await insertDataset(env.db, {
      id: datasetId,
      campaignId,
      name: 'd-seed',
      selection: { policy: 'hint-rft' },
      storagePrefix: `datasets/${datasetId}`,
      manifestKey: `datasets/${datasetId}/manifest.json`,
      manifestSha256: datasetId,
      createdBy: 'test',
      items: [{ sampleId: sample.id, questionId: sample.question_id }],
    });
    const runId = randomUUID();
    await insertTrainingRun(env.db, { id: runId, datasetId, backend: 'slurm', profile: {}, config: {}, at });

    await registerModel(env.db, {
      name: 'qwq-32b',
      profile: 'qwq-32b',
      endpoints: ['http://10.0.0.5:8000'],
      lineage: { kind: 'base' },
      at,
    });
    await registerModel(env.db, {
      name: 'start-0',
      profile: 'qwq-32b',
      lineage: { kind: 'trained', baseModel: 'qwq-32b', trainingRunId: runId, datasetId },
      at,
    });
    expect((await modelAncestry(env.db, 'start-0')).map((m) => [m.name, m.lineage.kind])).toEqual([
      ['start-0', 'trained'],
      ['qwq-32b', 'base'],
    ]);
    expect((await getModel(env.db, 'start-0'))?.lineage).toEqual({
      kind: 'trained',
      baseModel: 'qwq-32b',
      trainingRunId: runId,
      datasetId,
    });

    const served = await setModelEndpoints(env.db, 'start-0', ['http://10.0.0.9:8000'], later(5));
    expect(served?.endpoints).toEqual(['http://10.0.0.9:8000']);
    await expect(registerModel(env.db, { name: 'start-0', profile: 'x', lineage: { kind: 'base' }, at })).rejects.toThrow(
      ModelConflictError,
    );
  });

  it('refuses a trained model whose base, run or dataset does not exist', async () => {
    await expect(
      registerModel(env.db, {
        name: 'orphan',
        profile: 'qwq-32b',
        lineage: { kind: 'trained', baseModel: 'no-such-base', trainingRunId: randomUUID(), datasetId: 'no-such-dataset' },
        at,
      }),
    ).rejects.toThrow(/foreign key/);
    expect(await getModel(env.db, 'orphan')).toBeNull();
  });
});
