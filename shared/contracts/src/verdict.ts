import { z } from 'zod';

/**
 * Why a sample is not usable (or, for `wrong_answer`, not correct). A sample may carry several.
 * Every rejection has a reason: reports are histograms over these.
 */
export const RejectReason = z.enum([
  'wrong_answer',
  'no_answer',
  'truncated',
  'repetitive',
  'tool_error',
  'tests_failed',
  'generation_error',
  'grader_timeout',
  'grader_error',
  'too_short',
  /** The model wrote a tool-output block (```` ```output ````) itself: an invented tool result. */
  'invented_tool_output',
]);
export type RejectReason = z.infer<typeof RejectReason>;

export const Verdict = z.object({
  correct: z.boolean(),
  /** Correct and free of any defect that keeps it out of a training set. */
  eligible: z.boolean(),
  reasons: z.array(RejectReason),
  /** Extracted answer, detector scores, lengths... */
  metrics: z.record(z.string(), z.unknown()),
  graderVersion: z.string(),
});
export type Verdict = z.infer<typeof Verdict>;
