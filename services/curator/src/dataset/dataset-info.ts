import type { EndOfTurnProblem } from './end-of-turn-check.ts';
import { ModelProfileNameSchema } from '@rft/contracts';
import { DatasetLineage, DatasetReview } from '@rft/dataset';
import { z } from 'zod';

/** Provenance the caller supplies for a dataset version; everything here lands in the manifest. */
export const DatasetInfo = z.object({
  campaignId: z.string().min(1),
  model: z.string().min(1),
  modelRevision: z.string().min(1).optional(),
  /** The model profile the campaign generated with (default: the default profile); every row must match it. */
  modelProfile: ModelProfileNameSchema.optional(),
  tokenizer: z.object({ name: z.string().min(1), revision: z.string().min(1).optional() }),
  /** sha256 of the chat template used to render prompts; defaults to the tokenizer config's template. */
  chatTemplateSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters')
    .optional(),
  samplingParams: z.record(z.string(), z.unknown()),
  hintLibraryVersion: z.string().min(1).optional(),
  sandboxVersion: z.string().min(1).optional(),
  graderVersion: z.string().min(1),
  selectionPolicy: z.record(z.string(), z.unknown()),
  /** Work items of the campaign that failed; above 0 the manifest marks the dataset `partial`. */
  failedItems: z.number().int().nonnegative().optional(),
  /** Samples dropped upstream (grading, selection), by reason. */
  droppedByReason: z.record(z.string(), z.number().int().nonnegative()),
  /** Pipeline provenance, copied into the manifest as is. */
  lineage: DatasetLineage.optional(),
  /** The reviewed parent version and the edits, for a version a review produced. */
  review: DatasetReview.optional(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** Reasons the build itself drops a selected sample. */
export type BuildDropReason =
  | 'too_long'
  | 'empty_train'
  | 'not_eligible'
  | 'not_nfc'
  | 'byte_mismatch'
  | 'model_profile_mismatch'
  | EndOfTurnProblem;
