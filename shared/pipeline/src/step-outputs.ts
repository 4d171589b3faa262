import { z } from 'zod';

/**
 * What each step kind records in `pipeline_steps.output` once started: the ids later steps, the
 * CLI, the API and the dashboard follow. Written by the scheduler (campaign, train, eval), the
 * curator (select) and the launcher (serve); read by everything else.
 */

/** A training question removed before sampling because it overlaps a benchmark. */
export const Exclusion = z.object({
  questionId: z.string(),
  benchmark: z.string(),
  /** The benchmark problem it overlaps. */
  problemId: z.string(),
  /** `exact` (same normalised text) or `ngram` (a shared word n-gram). */
  match: z.enum(['exact', 'ngram']),
  /** The matching normalised words. */
  span: z.string(),
});
export type Exclusion = z.infer<typeof Exclusion>;

export const CampaignStepOutput = z.object({
  /** Null when no question was admitted: no campaign was registered and the step succeeded empty. */
  campaignId: z.uuid().nullable(),
  /** Questions in the step's question file. */
  questions: z.number().int().min(0),
  /** Questions sampled (after decontamination and admission). */
  admitted: z.number().int().min(0),
  /** Turned away by the admission rule, and questions the named step never graded. */
  refusedByRule: z.number().int().min(0).default(0),
  ungraded: z.number().int().min(0).default(0),
  /** Decontamination: count per benchmark, and every exclusion with its reason (capped, see `exclusionsTruncated`). */
  excludedByBenchmark: z.record(z.string(), z.number().int().min(0)).default({}),
  exclusions: z.array(Exclusion).default([]),
  exclusionsTruncated: z.boolean().default(false),
});
export type CampaignStepOutput = z.infer<typeof CampaignStepOutput>;

export const SelectStepOutput = z.object({
  datasetId: z.string(),
  rows: z.number().int().min(0),
  /** Examples a quota cut, per question kind. */
  droppedByQuota: z.record(z.string(), z.number().int().min(0)).default({}),
});
export type SelectStepOutput = z.infer<typeof SelectStepOutput>;

export const TrainStepOutput = z.object({
  runId: z.uuid(),
  /** The model the checkpoint is registered as once the run succeeded (the step's `produces`). */
  model: z.string(),
});
export type TrainStepOutput = z.infer<typeof TrainStepOutput>;

export const ServeStepOutput = z.object({
  model: z.string(),
  endpoints: z.array(z.string()).default([]),
  /** Backend job or deployment handle (Slurm job id, namespace/name), absent for `external`. */
  externalId: z.string().nullable().default(null),
});
export type ServeStepOutput = z.infer<typeof ServeStepOutput>;

export const EvalStepOutput = z.object({
  /** One campaign per model and benchmark. */
  campaigns: z.array(z.object({ model: z.string(), benchmark: z.string(), campaignId: z.uuid() })),
});
export type EvalStepOutput = z.infer<typeof EvalStepOutput>;
