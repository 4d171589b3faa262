import { randomUUID } from 'node:crypto';
import { DatasetManifest } from '@rft/dataset';
import {
  getPipeline,
  insertPipeline,
  insertTrainingRun,
  pipelineStepEvents,
  pipelineSteps,
  registerModel,
  transitionPipelineStep,
  type Db,
} from '@rft/db';
import { validatePipelineSpec } from '@rft/pipeline';
import { startFrontSteps } from '@rft/pipeline/testing';
import type { JobContext } from '@rft/queue';
import { createLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../dataset/index.ts';
import { qwenTokenizerFiles } from '../dataset/test-support.ts';
import { seededQuestion, seedGradedCampaign, type SeededSample } from './graded-campaign-fixture.ts';
import { runSelectStepJob, type SelectStepDeps } from './select-step-job.ts';

let env: TestEnv;
let tokenizer: Tokenizer;
const at = new Date('2026-03-01T00:00:00Z');

const SPEC = {
  name: 'start-test',
  models: { qwq: { name: 'Qwen/QwQ-32B-Preview' } },
  steps: {
    ...startFrontSteps('qwq', 'q.jsonl'),
    'train-start-0': { kind: 'train', dataset: 'seed-select', base: 'qwq', profile: 'p.yaml', produces: 'start-0' },
    'serve-start-0': { kind: 'serve', checkpoint: 'train-start-0', backend: { type: 'external' } },
    rft: { kind: 'campaign', model: 'serve-start-0', questions: 'q.jsonl', recipe: 'rft', samples: 4 },
    'start-select': { kind: 'select', policy: 'rft', from: 'rft', quotas: { math: 3, code: 1 } },
  },
};

beforeAll(async () => {
  env = await createTestEnv();
  tokenizer = await loadTokenizer(qwenTokenizerFiles());
  await registerModel(env.db, { name: 'qwq', profile: 'qwq-32b-preview', lineage: { kind: 'base' }, at });
});
afterAll(async () => {
  await env.cleanup();
});

function deps(): SelectStepDeps {
  return { db: env.db, store: env.store, log: createLogger('test', { level: 'silent' }), tokenizer, tokenizerName: 'qwen3', now: () => at };
}
const ctx = (isLastAttempt = false) =>
  ({ job: { id: 'job-1' }, signal: new AbortController().signal, isLastAttempt }) as unknown as JobContext;

/** A pipeline with the spec above (possibly edited), its named campaign steps done with the given campaigns. */
async function pipelineWith(campaigns: Record<string, string>, edit: (spec: Record<string, unknown>) => void = () => {}): Promise<string> {
  const raw = structuredClone(SPEC) as unknown as Record<string, unknown>;
  edit(raw);
  const { spec } = validatePipelineSpec(raw, 'spec');
  const id = randomUUID();
  await insertPipeline(env.db, {
    id,
    name: spec.name,
    spec: spec as unknown as Record<string, unknown>,
    steps: Object.entries(spec.steps).map(([name, s]) => ({ name, kind: s.kind })),
    at,
  });
  for (const [step, campaignId] of Object.entries(campaigns)) {
    await transitionPipelineStep(env.db, { pipelineId: id, step, to: 'running', at });
    await transitionPipelineStep(env.db, {
      pipelineId: id,
      step,
      to: 'succeeded',
      output: { campaignId, questions: 10, admitted: 10 },
      at,
    });
  }
  return id;
}

async function startStep(pipelineId: string, step: string) {
  await transitionPipelineStep(env.db, { pipelineId, step, to: 'running', at });
}
async function stepRow(pipelineId: string, step: string) {
  return (await pipelineSteps(env.db, pipelineId)).find((s) => s.name === step)!;
}
async function manifestOf(db: Db, datasetId: string) {
  const row = await db.selectFrom('datasets').selectAll().where('id', '=', datasetId).executeTakeFirstOrThrow();
  return { row, manifest: DatasetManifest.parse(JSON.parse(Buffer.from((await env.store.get(row.manifest_key))!).toString('utf8'))) };
}

const right: SeededSample = { correct: true };
const wrong: SeededSample = { correct: false };

describe('select-step', () => {
  let seedPipeline: string;
  let hintCampaign: string;
  let seedDatasetId: string;

  test('hint-rft keeps questions wrong in the greedy campaign and right in the hint campaign', async () => {
    const q = (i: number) => seededQuestion(i);
    // q1: greedy wrong, hint right -> kept. q2: greedy right -> dropped. q3: greedy wrong, hint wrong -> nothing.
    // q4: greedy failed for a system reason -> never "wrong". q5: greedy wrong, two hint samples right -> one kept.
    const greedy = await seedGradedCampaign(env, {
      name: 'greedy',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [
        { question: q(1), samples: [wrong] },
        { question: q(2), samples: [right] },
        { question: q(3), samples: [wrong] },
        { question: q(4), samples: [{ correct: false, reasons: ['grader_timeout'] }] },
        { question: q(5), samples: [wrong] },
      ],
    });
    hintCampaign = await seedGradedCampaign(env, {
      name: 'hint',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [1, 2, 3, 4, 5].map((i) => ({ question: q(i), samples: i === 3 ? [wrong] : i === 5 ? [right, right] : [right] })),
    });
    seedPipeline = await pipelineWith({ greedy, hint: hintCampaign });
    await startStep(seedPipeline, 'seed-select');
    await runSelectStepJob(deps(), { pipelineId: seedPipeline, step: 'seed-select' }, ctx());

    const step = await stepRow(seedPipeline, 'seed-select');
    expect(step.status).toBe('succeeded');
    seedDatasetId = (step.output as { datasetId: string }).datasetId;
    expect(step.output).toEqual({ datasetId: seedDatasetId, rows: 2, droppedByQuota: {} });
    const { row, manifest } = await manifestOf(env.db, seedDatasetId);
    expect(row.campaign_id).toBe(hintCampaign);
    const items = await env.db.selectFrom('dataset_items').select('question_id').where('dataset_id', '=', seedDatasetId).execute();
    expect(items.map((i) => i.question_id).sort()).toEqual([q(1).id, q(5).id]);
    expect(manifest.campaignId).toBe(hintCampaign);
    expect(manifest.counts.droppedUpstream).toMatchObject({ greedy_correct: 1, greedy_not_graded: 1, wrong_answer: 1, not_selected: 1 });
    expect(manifest.lineage).toMatchObject({
      pipeline: { id: seedPipeline, name: 'start-test', step: 'seed-select' },
      sources: [
        { step: 'greedy', role: 'greedy', campaignId: greedy, models: [{ name: 'qwq', kind: 'base' }] },
        { step: 'hint', role: 'hint', campaignId: hintCampaign, models: [{ name: 'qwq', kind: 'base' }] },
      ],
      baseModel: 'qwq',
      hintLibraryVersion: 'hints-7',
      selection: { policy: 'hint-rft', quotas: {}, droppedByQuota: {}, seed: seedPipeline },
    });
    expect(manifest.lineage?.chatTemplate.sha256).toBe(manifest.model.chatTemplateSha256);

    // A second delivery of the same job changes nothing: the step has moved on.
    await runSelectStepJob(deps(), { pipelineId: seedPipeline, step: 'seed-select' }, ctx());
    expect((await pipelineStepEvents(env.db, seedPipeline, 'seed-select')).map((e) => e.status)).toEqual([
      'waiting',
      'running',
      'succeeded',
    ]);
  });

  test('rft on a trained model: one sample per question, quotas cut per kind deterministically, lineage names START-0, its run and D_seed', async () => {
    const runId = randomUUID();
    await insertTrainingRun(env.db, { id: runId, datasetId: seedDatasetId, backend: 'slurm', profile: {}, config: {}, at });
    await registerModel(env.db, {
      name: 'start-0',
      profile: 'qwq-32b-preview',
      lineage: { kind: 'trained', baseModel: 'qwq', trainingRunId: runId, datasetId: seedDatasetId },
      at,
    });
    // 6 math and 3 code questions, every one solved (two right samples each, one wrong): 3 math and 1 code survive the quotas.
    const questions = [...[1, 2, 3, 4, 5, 6].map((i) => seededQuestion(i)), ...[7, 8, 9].map((i) => seededQuestion(i, 'code'))].map(
      (question) => ({ question, samples: [wrong, { correct: true, reasoningRepeat: 3 }, right] }),
    );
    const rft = await seedGradedCampaign(env, { name: 'rft', model: 'start-0', stage: 'rft', questions });
    const run = async () => {
      const id = await pipelineWith({ rft });
      await startStep(id, 'start-select');
      await runSelectStepJob(deps(), { pipelineId: id, step: 'start-select' }, ctx());
      return { id, step: await stepRow(id, 'start-select') };
    };
    const first = await run();
    expect(first.step.status).toBe('succeeded');
    expect(first.step.output).toMatchObject({ rows: 4, droppedByQuota: { math: 3, code: 2 } });
    const datasetId = (first.step.output as { datasetId: string }).datasetId;
    const items = await env.db
      .selectFrom('dataset_items as d')
      .innerJoin('samples as s', 's.id', 'd.sample_id')
      .select(['d.question_id', 's.sample_index'])
      .where('d.dataset_id', '=', datasetId)
      .execute();
    expect(items.filter((i) => i.question_id.startsWith('c-'))).toHaveLength(1);
    expect(items.filter((i) => i.question_id.startsWith('q-'))).toHaveLength(3);
    // Ranking keeps the shorter of the two right samples of each question.
    expect(new Set(items.map((i) => i.sample_index))).toEqual(new Set([2]));

    const { manifest } = await manifestOf(env.db, datasetId);
    expect(manifest.lineage).toMatchObject({
      sources: [
        {
          step: 'rft',
          role: 'from',
          campaignId: rft,
          models: [
            { name: 'start-0', kind: 'trained', trainingRunId: runId, datasetId: seedDatasetId, baseModel: 'qwq' },
            { name: 'qwq', kind: 'base', profile: 'qwq-32b-preview' },
          ],
        },
      ],
      baseModel: 'qwq',
      selection: { policy: 'rft', quotas: { math: 3, code: 1 }, droppedByQuota: { math: 3, code: 2 } },
    });
    expect(manifest.counts.droppedUpstream).toMatchObject({ wrong_answer: 9, not_selected: 9, quota_math: 3, quota_code: 2 });

    // The cut is seeded by the pipeline id: the same pipeline rebuilds the same version; another one may cut other questions.
    await sql`UPDATE pipeline_steps SET status = 'running' WHERE pipeline_id = ${first.id} AND name = 'start-select'`.execute(env.db);
    await runSelectStepJob(deps(), { pipelineId: first.id, step: 'start-select' }, ctx());
    expect((await stepRow(first.id, 'start-select')).output).toEqual(first.step.output);
    const cuts = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const other = await run();
      expect(other.step.output).toMatchObject({ rows: 4, droppedByQuota: { math: 3, code: 2 } });
      const ids = await env.db
        .selectFrom('dataset_items')
        .select('question_id')
        .where('dataset_id', '=', (other.step.output as { datasetId: string }).datasetId)
        .execute();
      cuts.add(
        ids
          .map((r) => r.question_id)
          .sort()
          .join(','),
      );
    }
    expect(cuts.size).toBeGreaterThan(1);
  });

  test('a step with nothing to select fails with a reason naming the cause', async () => {
    const greedy = await seedGradedCampaign(env, {
      name: 'g2',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [{ question: seededQuestion(1), samples: [right] }],
    });
    const hint = await seedGradedCampaign(env, {
      name: 'h2',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [{ question: seededQuestion(1), samples: [right] }],
    });
    const id = await pipelineWith({ greedy, hint });
    await startStep(id, 'seed-select');
    await expect(runSelectStepJob(deps(), { pipelineId: id, step: 'seed-select' }, ctx())).rejects.toThrow(/no sample was selected/);
    const step = await stepRow(id, 'seed-select');
    expect(step.status).toBe('failed');
    expect(step.reason).toMatch(/no sample was selected by hint-rft from greedy \+ hint \(greedy_correct=1\)/);
  });

  test('a source step that names no campaign fails the step; the same campaign twice is refused', async () => {
    const id = await pipelineWith({ greedy: hintCampaign });
    await startStep(id, 'seed-select');
    await expect(runSelectStepJob(deps(), { pipelineId: id, step: 'seed-select' }, ctx())).rejects.toThrow();
    expect((await stepRow(id, 'seed-select')).reason).toMatch(/source step hint: is waiting, not done/);

    const twice = await pipelineWith({ greedy: hintCampaign, hint: hintCampaign });
    await startStep(twice, 'seed-select');
    await expect(runSelectStepJob(deps(), { pipelineId: twice, step: 'seed-select' }, ctx())).rejects.toThrow();
    expect((await stepRow(twice, 'seed-select')).reason).toMatch(/name the same campaign/);
    expect(await getPipeline(env.db, twice)).not.toBeNull();

    // A hint step that admitted no question ran no campaign: nothing to select, said so.
    const empty = await pipelineWith({ greedy: hintCampaign });
    await transitionPipelineStep(env.db, { pipelineId: empty, step: 'hint', to: 'running', at });
    await transitionPipelineStep(env.db, {
      pipelineId: empty,
      step: 'hint',
      to: 'succeeded',
      output: { campaignId: null, questions: 5, admitted: 0, refusedByRule: 5 },
      at,
    });
    await startStep(empty, 'seed-select');
    await expect(runSelectStepJob(deps(), { pipelineId: empty, step: 'seed-select' }, ctx())).rejects.toThrow();
    expect((await stepRow(empty, 'seed-select')).reason).toMatch(/source step hint: sampled no question \(0 admitted of 5, no campaign\)/);
  });

  test('a transient fault is rethrown and leaves the step running for the retry', async () => {
    const greedy = await seedGradedCampaign(env, {
      name: 'g3',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [{ question: seededQuestion(1), samples: [wrong] }],
    });
    const hint = await seedGradedCampaign(env, {
      name: 'h3',
      model: 'Qwen/QwQ-32B-Preview',
      stage: 'main',
      questions: [{ question: seededQuestion(1), samples: [right] }],
    });
    const id = await pipelineWith({ greedy, hint });
    await startStep(id, 'seed-select');
    const flaky = { ...env.store, get: async () => Promise.reject(new Error('ECONNRESET')) } as typeof env.store;
    await expect(runSelectStepJob({ ...deps(), store: flaky }, { pipelineId: id, step: 'seed-select' }, ctx())).rejects.toThrow(
      /ECONNRESET/,
    );
    expect((await stepRow(id, 'seed-select')).status).toBe('running');
    await runSelectStepJob(deps(), { pipelineId: id, step: 'seed-select' }, ctx());
    expect((await stepRow(id, 'seed-select')).status).toBe('succeeded');
  });
});
