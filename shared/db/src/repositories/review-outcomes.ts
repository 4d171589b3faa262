import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';

export type ReviewOutcome =
  | { status: 'built'; datasetId: string }
  | { status: 'failed'; reason: string }
  /** Not built or failed yet: the curator has not finished the review-import job. */
  | { status: 'pending' };

/**
 * What became of a submitted review: the version it built (the dataset whose `selection.reviewId`
 * is it), or its failure (an audit event on `dataset_review/<reviewId>` newer than the latest
 * submission of it: a resubmission retries), else pending.
 */
export async function reviewOutcome(db: DbOrTx, reviewId: string): Promise<ReviewOutcome> {
  const built = await db.selectFrom('datasets').select('id').where(sql<string>`selection->>'reviewId'`, '=', reviewId).executeTakeFirst();
  if (built) return { status: 'built', datasetId: built.id };
  const latest = await db
    .selectFrom('audit_events')
    .select(['action', sql<string | null>`after->>'reason'`.as('reason')])
    .where('target_type', '=', 'dataset_review')
    .where('target_id', '=', reviewId)
    .where('action', 'in', ['dataset.review.submitted', 'dataset.review.failed'])
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (latest?.action === 'dataset.review.failed') return { status: 'failed', reason: latest.reason ?? 'no reason recorded' };
  return { status: 'pending' };
}
