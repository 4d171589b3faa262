import { z } from 'zod';

/**
 * Every job the system enqueues, by name. Payloads carry ids only: the ledger in Postgres holds
 * the state, Redis is transport.
 */
export const JobCatalog = {
  /** Generate the missing samples of one question in one stage. */
  rollout: z.object({
    campaignId: z.uuid(),
    questionId: z.string(),
    stage: z.string(),
  }),
  /** Grade every stored, ungraded sample of one question in one stage. */
  grade: z.object({
    campaignId: z.uuid(),
    questionId: z.string(),
    stage: z.string(),
  }),
  /** Select samples and build the campaign's dataset version. */
  curate: z.object({
    campaignId: z.uuid(),
  }),
  /** Build the dataset version of a pipeline's `select` step from the campaigns of the steps it names. */
  'select-step': z.object({
    pipelineId: z.uuid(),
    step: z.string(),
  }),
  /**
   * Build the reviewed version of a dataset from a reviewer's decisions (stored at `decisionsKey`);
   * `reviewId` names the outcome (the new version's `selection.reviewId`, or a failure audit event).
   */
  'review-import': z.object({
    datasetId: z.string(),
    decisionsKey: z.string(),
    reviewId: z.string(),
    reviewer: z.string(),
    submittedBy: z.string(),
  }),
  /** Start (or check) the inference endpoint of a pipeline's `serve` step. */
  'serve-model': z.object({
    pipelineId: z.uuid(),
    step: z.string(),
  }),
  /** Plan and submit a training run recorded as `submitting`. */
  'launch-run': z.object({
    runId: z.uuid(),
  }),
  /** Stop a training run on its backend and record it cancelled. */
  'cancel-run': z.object({
    runId: z.uuid(),
  }),
} as const;

export type JobName = keyof typeof JobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof JobCatalog)[N]>;
export const JOB_NAMES = Object.keys(JobCatalog) as JobName[];
