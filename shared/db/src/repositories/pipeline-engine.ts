import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';

/**
 * Locks a step for the rest of the transaction if it is in `status`, and returns its output;
 * null when it is not (it moved on, or an operator acted).
 */
export async function lockStepIn(
  tx: DbOrTx,
  pipelineId: string,
  step: string,
  status: 'waiting' | 'running',
): Promise<{ output: Record<string, unknown> | null } | null> {
  const row = await tx
    .selectFrom('pipeline_steps')
    .select('output')
    .where('pipeline_id', '=', pipelineId)
    .where('name', '=', step)
    .where('status', '=', status)
    .forUpdate()
    .executeTakeFirst();
  return row ? { output: (row.output as Record<string, unknown> | null) ?? null } : null;
}

/**
 * Locks a step that is still `waiting` for the rest of the transaction; false when it is not
 * waiting (another scheduler started it, or an operator acted). Starting a step under this lock
 * means its campaign or run is created once, however many schedulers race.
 */
export async function lockWaitingStep(tx: DbOrTx, pipelineId: string, step: string): Promise<boolean> {
  return (await lockStepIn(tx, pipelineId, step, 'waiting')) !== null;
}

/**
 * Up to `limit` pipelines with a waiting or running step, in id order from just after `after`,
 * wrapping round to the start: a tick advances a bounded slice, and the next tick the slice after.
 */
export async function pipelineIdsToAdvance(db: DbOrTx, opts: { after: string | null; limit: number }): Promise<string[]> {
  const page = async (after: string | null, limit: number) => {
    const rows = await db
      .selectFrom('pipeline_steps')
      .select('pipeline_id')
      .distinct()
      .where('status', 'in', ['waiting', 'running'])
      .$if(after !== null, (qb) => qb.where('pipeline_id', '>', after!))
      .orderBy('pipeline_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.pipeline_id);
  };
  const ids = await page(opts.after, opts.limit);
  if (ids.length < opts.limit && opts.after !== null)
    for (const id of await page(null, opts.limit - ids.length)) if (!ids.includes(id)) ids.push(id);
  return ids;
}

/** Marks a running step as looked after now (a lost job re-enqueued), so it is checked again only after the grace. */
export async function touchRunningStep(db: DbOrTx, pipelineId: string, step: string): Promise<void> {
  await db
    .updateTable('pipeline_steps')
    .set({ updated_at: sql`now()` })
    .where('pipeline_id', '=', pipelineId)
    .where('name', '=', step)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Each question's verdicts in one stage of a campaign: one boolean per graded sample, from the
 * newest grade of each sample (a regrade replaces the verdict, as the curator reads it).
 * Quarantined questions and questions without a graded sample are omitted.
 */
export async function gradedQuestions(db: DbOrTx, campaignId: string, stage: string): Promise<Map<string, boolean[]>> {
  const rows = await sql<{ question_id: string; correct: boolean[] }>`
    SELECT v.question_id, array_agg(v.correct ORDER BY v.sample_index) AS correct
    FROM (
      SELECT DISTINCT ON (s.id) s.question_id, s.sample_index, g.correct
      FROM samples s
      JOIN grades g ON g.sample_id = s.id
      JOIN questions q ON q.campaign_id = s.campaign_id AND q.question_id = s.question_id
      WHERE s.campaign_id = ${campaignId} AND s.stage = ${stage} AND q.quarantined_at IS NULL
      ORDER BY s.id, g.created_at DESC
    ) v
    GROUP BY v.question_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.question_id, r.correct]));
}

/** Status and reason of campaigns, by id (a pipeline step follows its campaigns with this). */
export async function campaignStates(db: DbOrTx, ids: readonly string[]): Promise<Map<string, { status: string; reason: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('campaigns')
    .select(['id', 'status', 'status_reason', 'error'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, { status: r.status, reason: r.status_reason ?? r.error }]));
}
