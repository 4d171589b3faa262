export { exportReview, DEFAULT_BORDERLINE_FRACTION } from './export-review.ts';
export { importReview, type ImportReviewDeps, type ImportReviewResult } from './import-review.ts';
export { reviewFlags, REPETITION_LIMITS, type FlagOptions, type ReviewFlag, type ReviewFlagReason } from './review-flags.ts';
export { ReviewDecision, SegmentEdit, type ReviewExportLine } from './review-item.ts';
