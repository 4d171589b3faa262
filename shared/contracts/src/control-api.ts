import { z } from 'zod';
import { strictObject } from './strict-object.ts';

/** Request bodies of the control-plane HTTP API, shared by the API (validation, OpenAPI) and the `rft` CLI. */

export const ApiRole = z.enum(['submitter', 'operator', 'launcher', 'admin']);
export type ApiRole = z.infer<typeof ApiRole>;

export const CampaignBudget = strictObject({
  /** Uncached prompt plus generated tokens. */
  tokens: z.number().int().positive().nullable().optional(),
  /** Replica-hours: the sum of per-turn request latency / 3600. */
  gpuHours: z.number().positive().nullable().optional(),
});
export type CampaignBudget = z.infer<typeof CampaignBudget>;

export const CreateCampaignRequest = strictObject({
  /** The campaign spec as YAML text, or as an already-parsed object. */
  spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** The question file (JSONL text). Exactly one of `questions` and `questionsKey`. */
  questions: z.string().min(1).optional(),
  /** Object-store key of a JSONL question file already uploaded. */
  questionsKey: z.string().min(1).max(900).optional(),
  budget: CampaignBudget.optional(),
}).superRefine((body, ctx) => {
  if ((body.questions === undefined) === (body.questionsKey === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['questions'],
      message: 'give exactly one of "questions" (JSONL text) and "questionsKey" (object key)',
    });
  }
});
export type CreateCampaignRequest = z.infer<typeof CreateCampaignRequest>;

export const CampaignActionRequest = strictObject({ reason: z.string().min(1).max(2000).optional() });
export type CampaignActionRequest = z.infer<typeof CampaignActionRequest>;

export const RetryRequest = strictObject({
  /** Shards to retry; omitted means every shard of the campaign. Only failed items move. */
  shards: z.array(z.number().int().min(0)).min(1).max(100_000).optional(),
});
export type RetryRequest = z.infer<typeof RetryRequest>;

export const QuarantineRequest = strictObject({ reason: z.string().min(1).max(2000) });
export type QuarantineRequest = z.infer<typeof QuarantineRequest>;

export const TrainingBackend = z.enum(['slurm', 'kubernetes', 'bundle']);
export type TrainingBackend = z.infer<typeof TrainingBackend>;

export const LaunchRunRequest = strictObject({
  datasetId: z.string().min(1).max(200),
  backend: TrainingBackend,
  /** Cluster profile: nodes, GPUs per node, partition or namespace, image... interpreted by the launcher. */
  profile: z.record(z.string(), z.unknown()),
  /** Overrides of the training configuration (learning rate, epochs...). */
  config: z.record(z.string(), z.unknown()).default({}),
});
export type LaunchRunRequest = z.infer<typeof LaunchRunRequest>;

export const CreateTokenRequest = strictObject({
  name: z.string().min(1).max(120),
  role: ApiRole,
  team: z.string().min(1).max(64).optional(),
}).superRefine((body, ctx) => {
  if (body.role === 'submitter' && !body.team)
    ctx.addIssue({ code: 'custom', path: ['team'], message: 'a submitter token needs the team it submits for' });
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;
