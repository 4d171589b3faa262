export { importReview, type ImportReviewDeps, type ImportReviewResult } from './import-review.ts';
export { runReviewImportJob, parseDecisions, type ReviewImportDeps } from './review-import-job.ts';
