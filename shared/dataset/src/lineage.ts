import { z } from 'zod';

/**
 * Where a dataset version came from, beyond the campaign that sampled its rows: the pipeline step
 * that selected it, the campaigns and models it read, and what a trained source model was trained
 * on. Optional in the manifest: versions built outside a pipeline have none.
 */

/** A model and the chain it descends from (newest first, ending at a base model). */
export const LineageModel = z.object({
  name: z.string().min(1),
  /** Model profile (chat template, tokenizer, thinking markers); null when the model is not registered. */
  profile: z.string().nullable(),
  /** `trained`: fine-tuned from `baseModel` by `trainingRunId` on `datasetId`. `unregistered`: no models row. */
  kind: z.enum(['base', 'trained', 'unregistered']),
  baseModel: z.string().optional(),
  trainingRunId: z.string().optional(),
  datasetId: z.string().optional(),
});
export type LineageModel = z.infer<typeof LineageModel>;

export const LineageSource = z.object({
  /** The campaign step read, and its part in the policy (`greedy`, `hint`, `from`). */
  step: z.string().min(1),
  role: z.string().min(1),
  campaignId: z.string().min(1),
  /** The model the campaign sampled, then its ancestors (a trained model's training run and dataset). */
  models: z.array(LineageModel).min(1),
});
export type LineageSource = z.infer<typeof LineageSource>;

export const DatasetLineage = z.object({
  pipeline: z.object({ id: z.string().min(1), name: z.string().min(1), step: z.string().min(1) }),
  sources: z.array(LineageSource).min(1),
  /** The base model at the root of the sampled model's ancestry (QwQ for both D_seed and D_START). */
  baseModel: z.string().min(1),
  hintLibraryVersion: z.string().nullable(),
  chatTemplate: z.object({ profile: z.string().min(1), sha256: z.string().nullable() }),
  selection: z.object({
    policy: z.string().min(1),
    /** The spec's quotas per question kind (absent: no quota). */
    quotas: z.record(z.string(), z.number().int().nonnegative()),
    /** Selected examples a quota cut, per question kind. */
    droppedByQuota: z.record(z.string(), z.number().int().nonnegative()),
    seed: z.string().min(1),
  }),
});
export type DatasetLineage = z.infer<typeof DatasetLineage>;

/** One reviewed row of a dataset version that a review changed (kept rows are not listed). */
export const ReviewEdit = z.object({
  sampleId: z.string().min(1),
  decision: z.enum(['drop', 'edit']),
  reviewer: z.string().min(1),
  /** sha256 of the row's trained text before and after (null after a drop). */
  sha256Before: z.string(),
  sha256After: z.string().nullable(),
});
export type ReviewEdit = z.infer<typeof ReviewEdit>;

/** A version produced by reviewing another one: its parent and what the reviewers changed. */
export const DatasetReview = z.object({
  parentDatasetId: z.string().min(1),
  reviewers: z.array(z.string().min(1)).min(1),
  /** Rows reviewed and kept unchanged. */
  kept: z.number().int().nonnegative(),
  edits: z.array(ReviewEdit),
});
export type DatasetReview = z.infer<typeof DatasetReview>;
