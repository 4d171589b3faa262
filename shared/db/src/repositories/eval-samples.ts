import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';

/** One graded sample of an eval campaign: what pass@k and maj@k are computed from. */
export interface EvalSample {
  questionId: string;
  sampleIndex: number;
  correct: boolean;
  /** The answer the grader extracted (`grades.metrics.answer`); absent when the sample gave none. */
  answer?: string;
}

/**
 * Every graded sample of a campaign, one per (question, sample index): the latest attempt, and of
 * its grades the newest (a regrade by a newer grader replaces the verdict it reports). Samples not
 * yet graded are left out, so a report on a running eval counts what is known.
 */
export async function evalSamples(db: DbOrTx, campaignId: string): Promise<EvalSample[]> {
  const rows = await db
    .selectFrom('samples as s')
    .innerJoin('grades as g', 'g.sample_id', 's.id')
    .distinctOn(['s.question_id', 's.sample_index'])
    .select(['s.question_id', 's.sample_index', 'g.correct', sql<string | null>`g.metrics->>'answer'`.as('answer')])
    .where('s.campaign_id', '=', campaignId)
    .orderBy('s.question_id')
    .orderBy('s.sample_index')
    .orderBy('s.attempt', 'desc')
    .orderBy('g.created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    questionId: r.question_id,
    sampleIndex: r.sample_index,
    correct: r.correct,
    ...(r.answer !== null ? { answer: r.answer.trim() } : {}),
  }));
}
