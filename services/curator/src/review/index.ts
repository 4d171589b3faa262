export { importReview, type ImportReviewDeps, type ImportReviewResult } from './import-review.ts';
