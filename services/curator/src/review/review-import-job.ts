import { InputError, type JobPayload } from '@rft/contracts';
import { ReviewDecision } from '@rft/dataset';
import { recordAudit, type Db } from '@rft/db';
import { UnrecoverableError, type JobContext } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { Tokenizer } from '../dataset/index.ts';
import { importReview } from './import-review.ts';

export interface ReviewImportDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  tokenizer: Tokenizer;
}

/** Parses a stored decisions file (JSON Lines, one ReviewDecision each); problems name the line. */
export function parseDecisions(text: string): ReviewDecision[] {
  const decisions: ReviewDecision[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const parsed = ReviewDecision.safeParse(JSON.parse(line));
    if (!parsed.success)
      throw new InputError(`decisions line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    decisions.push(parsed.data);
  }
  return decisions;
}

/**
 * The `review-import` job: rebuilds a dataset version with a reviewer's decisions (the API checked
 * them and stored them). A failure that retrying cannot fix is recorded as an audit event on
 * `dataset_review/<reviewId>`, which is where the submitter's status query finds it.
 */
export async function runReviewImportJob(deps: ReviewImportDeps, payload: JobPayload<'review-import'>, ctx: JobContext): Promise<void> {
  const log = deps.log.child({ datasetId: payload.datasetId, reviewId: payload.reviewId, job: ctx.job.id });
  try {
    const bytes = await deps.store.get(payload.decisionsKey);
    if (!bytes) throw new InputError(`decisions ${payload.decisionsKey} are missing from the object store`);
    const decisions = parseDecisions(Buffer.from(bytes).toString('utf8'));
    const result = await importReview(deps, payload.datasetId, decisions, payload.reviewer, {
      reviewId: payload.reviewId,
      submittedBy: payload.submittedBy,
    });
    log.info(result, 'reviewed dataset version built');
  } catch (error) {
    const final = error instanceof InputError || error instanceof UnrecoverableError || ctx.isLastAttempt;
    if (!final) throw error;
    const reason = `review import failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 4000);
    await recordAudit(deps.db, {
      actor: payload.reviewer,
      action: 'dataset.review.failed',
      targetType: 'dataset_review',
      targetId: payload.reviewId,
      before: { datasetId: payload.datasetId },
      after: { reason, decisionsKey: payload.decisionsKey, submittedBy: payload.submittedBy },
    });
    log.error({ err: error }, 'review import failed');
    throw new UnrecoverableError(reason);
  }
}
