import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';

/**
 * Locks a step that is still `waiting` for the rest of the transaction; false when it is not
 * waiting (another scheduler started it, or an operator acted). Starting a step under this lock
 * means its campaign or run is created once, however many schedulers race.
 */
export async function lockWaitingStep(tx: DbOrTx, pipelineId: string, step: string): Promise<boolean> {
  const row = await tx
    .selectFrom('pipeline_steps')
    .select('name')
    .where('pipeline_id', '=', pipelineId)
    .where('name', '=', step)
    .where('status', '=', 'waiting')
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Each question's grades in one stage of a campaign (one boolean per graded sample), questions with none omitted. */
export async function gradedQuestions(db: DbOrTx, campaignId: string, stage: string): Promise<Map<string, boolean[]>> {
  const rows = await sql<{ question_id: string; correct: boolean[] }>`
    SELECT s.question_id, array_agg(g.correct ORDER BY s.sample_index) AS correct
    FROM samples s JOIN grades g ON g.sample_id = s.id
    WHERE s.campaign_id = ${campaignId} AND s.stage = ${stage}
    GROUP BY s.question_id`.execute(db);
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
