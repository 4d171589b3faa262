import { z } from 'zod';
import type { ReviewFlag } from './review-flags.ts';
import { trainedText, type VersionRow } from './version-rows.ts';

/** One line of a review export: a flagged row, what a reviewer needs to judge it, and an empty decision. */
export const ReviewExportLine = z.object({
  datasetId: z.string(),
  sampleId: z.string(),
  questionId: z.string(),
  question: z.string(),
  /** The text the model is trained on (trained segments, joined). */
  trainedText: z.string(),
  /** Every segment with its index; only `model` and `code` ones (trained) may be edited. */
  segments: z.array(z.object({ index: z.number().int(), kind: z.string(), train: z.boolean(), text: z.string() })),
  flags: z.array(z.object({ reason: z.enum(['borderline_repetition', 'recovered_tool_error', 'very_long']), detail: z.string() })),
  /** Filled in by the reviewer: keep, drop or edit (with `edits`). */
  decision: z.null(),
  edits: z.array(z.never()),
});
export type ReviewExportLine = z.infer<typeof ReviewExportLine>;

export function reviewExportLine(datasetId: string, row: VersionRow, flags: ReviewFlag[], question: string): ReviewExportLine {
  return {
    datasetId,
    sampleId: row.id,
    questionId: row.question_id,
    question,
    trainedText: trainedText(row.segments),
    segments: row.segments.map((s, index) => ({ index, kind: s.kind, train: s.train, text: s.text })),
    flags,
    decision: null,
    edits: [],
  };
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

/** What a reviewer submits: their name (recorded in the audit trail) and their decisions. */
export const ReviewRequest = z.object({
  reviewer: z.string().trim().min(1).max(200),
  decisions: z.array(ReviewDecision).min(1),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;
