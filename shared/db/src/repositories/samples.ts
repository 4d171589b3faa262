import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { WorkKey } from './question-stages.ts';

export interface NewSample {
  sampleIndex: number;
  seed: number;
  recipe: string;
  endReason: string;
  error: string | null;
  trajectoryKey: string;
  trajectoryLine: number;
  turns: number;
  toolCalls: number;
  hints: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  tokensSaved: number;
  latencyMs: number;
  /** CPU the sandbox spent on this sample's tool calls; null when the runner does not measure it. */
  sandboxCpuMs?: number | null;
}

export async function storedSampleIndexes(db: DbOrTx, key: WorkKey): Promise<Set<number>> {
  const rows = await db
    .selectFrom('samples')
    .select('sample_index')
    .where('campaign_id', '=', key.campaignId)
    .where('question_id', '=', key.questionId)
    .where('stage', '=', key.stage)
    .execute();
  return new Set(rows.map((r) => r.sample_index));
}

/**
 * Inserts sample rows, keeping the first writer of each (question, stage, index): a retried or
 * duplicated attempt can never store a sample twice. Returns how many rows were new.
 */
export async function insertSamples(db: DbOrTx, key: WorkKey, attempt: number, samples: readonly NewSample[]): Promise<number> {
  if (samples.length === 0) return 0;
  const result = await db
    .insertInto('samples')
    .values(
      samples.map((s) => ({
        campaign_id: key.campaignId,
        question_id: key.questionId,
        stage: key.stage,
        sample_index: s.sampleIndex,
        seed: s.seed,
        attempt,
        recipe: s.recipe,
        end_reason: s.endReason,
        error: s.error,
        trajectory_key: s.trajectoryKey,
        trajectory_line: s.trajectoryLine,
        turns: s.turns,
        tool_calls: s.toolCalls,
        hints: s.hints,
        prompt_tokens: s.promptTokens,
        cached_tokens: s.cachedTokens,
        completion_tokens: s.completionTokens,
        tokens_saved: s.tokensSaved,
        latency_ms: Math.round(s.latencyMs),
        sandbox_cpu_ms: s.sandboxCpuMs == null ? null : Math.round(s.sandboxCpuMs),
      })),
    )
    .onConflict((oc) => oc.columns(['campaign_id', 'question_id', 'stage', 'sample_index']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export interface StoredSample {
  id: string;
  sampleIndex: number;
  trajectoryKey: string;
  trajectoryLine: number;
}

/** Samples of an item without a grade from this grader version. */
export async function ungradedSamples(db: DbOrTx, key: WorkKey, graderVersion: string): Promise<StoredSample[]> {
  const rows = await db
    .selectFrom('samples as s')
    .leftJoin('grades as g', (join) => join.onRef('g.sample_id', '=', 's.id').on('g.grader_version', '=', graderVersion))
    .select(['s.id', 's.sample_index', 's.trajectory_key', 's.trajectory_line'])
    .where('s.campaign_id', '=', key.campaignId)
    .where('s.question_id', '=', key.questionId)
    .where('s.stage', '=', key.stage)
    .where('g.sample_id', 'is', null)
    .orderBy('s.sample_index')
    .execute();
  return rows.map((r) => ({ id: r.id, sampleIndex: r.sample_index, trajectoryKey: r.trajectory_key, trajectoryLine: r.trajectory_line }));
}

export interface NewGrade {
  sampleId: string;
  graderVersion: string;
  correct: boolean;
  eligible: boolean;
  reasons: string[];
  metrics: Record<string, unknown>;
  /** Time the grader spent on this sample (CPU-bound work: comparisons, detectors). */
  graderCpuMs?: number | null;
}

export async function insertGrades(db: DbOrTx, grades: readonly NewGrade[]): Promise<void> {
  if (grades.length === 0) return;
  await db
    .insertInto('grades')
    .values(
      grades.map((g) => ({
        sample_id: g.sampleId,
        grader_version: g.graderVersion,
        correct: g.correct,
        eligible: g.eligible,
        reasons: sql<string[]>`${g.reasons}::text[]`,
        metrics: JSON.stringify(g.metrics),
        grader_cpu_ms: g.graderCpuMs == null ? null : Math.round(g.graderCpuMs),
      })),
    )
    .onConflict((oc) => oc.columns(['sample_id', 'grader_version']).doNothing())
    .execute();
}
