export { flaggedRows, DEFAULT_BORDERLINE_FRACTION } from './flag-version.ts';
export { planReview, planStoredReview, type ReviewPlan } from './plan-review.ts';
export {
  reviewFlags,
  REPETITION_LIMITS,
  type FlagOptions,
  type FlaggableRow,
  type ReviewFlag,
  type ReviewFlagReason,
} from './review-flags.ts';
export { ReviewDecision, ReviewRequest, SegmentEdit, reviewExportLine, ReviewExportLine } from './review-item.ts';
export { trainedText, versionRows, type VersionRow } from './version-rows.ts';
