import { randomUUID } from 'node:crypto';
import type { Question, RejectReason } from '@rft/contracts';
import {
  insertGrades,
  insertPipeline,
  insertSamples,
  pipelineSteps,
  setCampaignStatus,
  transitionPipelineStep,
  type Db,
  type NewSample,
} from '@rft/db';
import { validatePipelineSpec } from '@rft/pipeline';
import type { JobContext } from '@rft/queue';
import { createLogger } from '@rft/telemetry';
import { testSample } from '@rft/testing';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import { encodeJsonlZst, type ObjectStore } from '@rft/storage';
import { sql } from 'kysely';
import type { Tokenizer } from '../dataset/index.ts';
import { sampleRow } from '../dataset/test-support.ts';
import { runSelectStepJob } from './select-step-job.ts';

/** One graded sample to seed: its verdict, and optionally its model text and verdict metrics. */
export interface SeededSample {
  correct: boolean;
  reasons?: RejectReason[];
  metrics?: Record<string, unknown>;
  /** Repeats the reasoning to make the response longer (tokens grow with it). */
  reasoningRepeat?: number;
}

/** A question of the seeded campaigns: sampleRow(i)'s, or a code question with the same text. */
export function seededQuestion(i: number, kind: 'math' | 'code' = 'math'): Question {
  const math = sampleRow(i).question;
  return kind === 'math'
    ? math
    : { id: `c-${String(i).padStart(4, '0')}`, kind: 'code', problem: math.problem, tests: [{ type: 'stdin', input: '', output: '2' }] };
}

/**
 * Registers a one-stage campaign on `model`, stores one trajectory object per question (as the
 * rollout worker does), records samples and their verdicts, and ends the campaign `completed`.
 */
export async function seedGradedCampaign(
  deps: { db: Db; store: ObjectStore },
  opts: { name: string; model: string; stage: string; questions: Array<{ question: Question; samples: SeededSample[] }> },
): Promise<string> {
  const spec = parseCampaignSpec(
    `name: ${opts.name}\nmodel: { name: ${opts.model} }\nstages: [{ name: ${opts.stage}, recipe: rft, samples: 4 }]\n`,
    'spec.yaml',
  );
  const campaignId = await registerCampaign(
    deps.db,
    spec,
    opts.questions.map((q) => q.question),
    'test',
  );
  for (const [qi, { question, samples }] of opts.questions.entries()) {
    const key = `trajectories/${campaignId}/${question.id}.jsonl.zst`;
    const lines = samples.map((s, sampleIndex) => {
      const base = sampleRow(qi + 1, { reasoningRepeat: s.reasoningRepeat ?? 1 }).trajectory;
      return { ...base, campaignId, questionId: question.id, stage: opts.stage, sampleIndex, hintLibraryVersion: 'hints-7' };
    });
    await deps.store.put(key, encodeJsonlZst(lines));
    const rows: NewSample[] = samples.map((s, sampleIndex) =>
      testSample({
        sampleIndex,
        seed: sampleIndex,
        trajectoryKey: key,
        trajectoryLine: sampleIndex,
        toolCalls: 1,
        hints: 1,
        promptTokens: 10,
        completionTokens: 50 * (s.reasoningRepeat ?? 1),
      }),
    );
    await insertSamples(deps.db, { campaignId, questionId: question.id, stage: opts.stage }, 1, rows);
    const ids = await sql<{ id: string; sample_index: number }>`
      SELECT id, sample_index FROM samples WHERE campaign_id = ${campaignId} AND question_id = ${question.id}`.execute(deps.db);
    await insertGrades(
      deps.db,
      ids.rows.map((r) => {
        const s = samples[r.sample_index]!;
        const reasons = s.reasons ?? (s.correct ? [] : ['wrong_answer' as RejectReason]);
        return {
          sampleId: r.id,
          graderVersion: 'grader-1.0.0',
          correct: s.correct,
          eligible: s.correct && reasons.length === 0,
          reasons,
          metrics: { qualityScore: 1, responseChars: 100 * (s.reasoningRepeat ?? 1), ...s.metrics },
        };
      }),
    );
  }
  await setCampaignStatus(deps.db, campaignId, 'completed');
  return campaignId;
}

/**
 * Builds a dataset version from a seeded campaign the way a pipeline does: a pipeline whose `rft`
 * step recorded the campaign and whose `select` step (RFT, one sample per question) runs the job.
 */
export async function selectDatasetFrom(
  deps: { db: Db; store: ObjectStore; tokenizer: Tokenizer },
  campaignId: string,
  questions: number,
): Promise<string> {
  const at = new Date('2026-03-01T00:00:00Z');
  const { spec } = validatePipelineSpec(
    {
      name: 'review-test',
      models: { qwq: { name: 'Qwen/QwQ-32B-Preview' } },
      steps: {
        rft: { kind: 'campaign', model: 'qwq', questions: 'q.jsonl', recipe: 'rft' },
        select: { kind: 'select', policy: 'rft', from: 'rft' },
      },
    },
    'spec',
  );
  const pipelineId = randomUUID();
  await insertPipeline(deps.db, {
    id: pipelineId,
    name: spec.name,
    spec: spec as unknown as Record<string, unknown>,
    steps: [
      { name: 'rft', kind: 'campaign' },
      { name: 'select', kind: 'select' },
    ],
    at,
  });
  await transitionPipelineStep(deps.db, { pipelineId, step: 'rft', to: 'running', at });
  await transitionPipelineStep(deps.db, {
    pipelineId,
    step: 'rft',
    to: 'succeeded',
    output: { campaignId, questions, admitted: questions },
    at,
  });
  await transitionPipelineStep(deps.db, { pipelineId, step: 'select', to: 'running', at });
  const ctx = { job: { id: 'j' }, signal: new AbortController().signal, isLastAttempt: false } as unknown as JobContext;
  const log = createLogger('test', { level: 'silent' });
  await runSelectStepJob({ ...deps, log, tokenizerName: 'qwen3' }, { pipelineId, step: 'select' }, ctx);
  const step = (await pipelineSteps(deps.db, pipelineId)).find((s) => s.name === 'select')!;
  if (step.status !== 'succeeded') throw new Error(`select step ${step.status}: ${step.reason}`);
  return (step.output as { datasetId: string }).datasetId;
}
