import { z } from 'zod';
import type { ReviewFlag } from './review-flags.ts';

/** One line of a review export: a flagged row, what a reviewer needs to judge it, and an empty decision. */
export interface ReviewExportLine {
  datasetId: string;
  sampleId: string;
  questionId: string;
  question: string;
  /** The text the model is trained on (trained segments, joined). */
  trainedText: string;
  /** Every segment with its index; only `model` and `code` ones (trained) may be edited. */
  segments: Array<{ index: number; kind: string; train: boolean; text: string }>;
  flags: ReviewFlag[];
  /** Filled in by the reviewer: keep, drop or edit. */
  decision: null;
  edits: [];
}

/** A segment's replacement text. The end-of-turn token of the last segment is kept whether or not it is typed. */
export const SegmentEdit = z.strictObject({ segment: z.number().int().min(0), text: z.string().min(1) });

/** One line of a reviewed file: an export line with its decision filled in (other fields are ignored). */
export const ReviewDecision = z.discriminatedUnion('decision', [
  z.object({ sampleId: z.string().min(1), decision: z.literal('keep') }),
  z.object({ sampleId: z.string().min(1), decision: z.literal('drop') }),
  z.object({ sampleId: z.string().min(1), decision: z.literal('edit'), edits: z.array(SegmentEdit).min(1) }),
]);
export type ReviewDecision = z.infer<typeof ReviewDecision>;
