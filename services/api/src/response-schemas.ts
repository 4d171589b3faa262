import { z } from 'zod';

/**
 * What each operation answers on success, as the JSON a client receives (dates are ISO strings).
 * The OpenAPI document is generated from these, the CLI's types from that document, and the test
 * fixture checks every answer against its schema, so the three cannot drift apart.
 */

const timestamp = z.iso.datetime({ offset: true });
const json = z.record(z.string(), z.unknown());
const page = { limit: z.number().int(), offset: z.number().int() };
const counts = z.record(z.string(), z.number().int());

const perAccepted = z.object({
  promptTokens: z.number(),
  cachedTokens: z.number(),
  completionTokens: z.number(),
  replicaSeconds: z.number(),
  sandboxCpuSeconds: z.number().nullable(),
  graderCpuSeconds: z.number().nullable(),
});
export const CostLineResponse = z.object({
  samples: z.number().int(),
  accepted: z.number().int(),
  promptTokens: z.number(),
  cachedTokens: z.number(),
  completionTokens: z.number(),
  replicaSeconds: z.number(),
  sandboxCpuSeconds: z.number().nullable(),
  graderCpuSeconds: z.number().nullable(),
  perAccepted: perAccepted.nullable(),
});

export const CampaignSummaryResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  team: z.string(),
  status: z.string().meta({ description: 'running, paused, curating, completed, completed_with_failures, failed or cancelled' }),
  statusReason: z.string().nullable(),
  error: z.string().nullable(),
  questionCount: z.number().int(),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  finishedAt: timestamp.nullable(),
  budget: z.object({ tokens: z.number().nullable(), gpuHours: z.number().nullable() }),
});

const BudgetUsageResponse = z.object({
  tokens: z.number(),
  gpuHours: z.number(),
  budgetTokens: z.number().nullable(),
  budgetGpuHours: z.number().nullable(),
});

export const CampaignCreated = z.object({
  id: z.uuid(),
  questions: z.number().int(),
  stages: z.array(z.string()),
  shardSize: z.number().int(),
});
export const UploadTarget = z.object({
  key: z.string(),
  url: z.url(),
  method: z.literal('PUT'),
  expiresInSeconds: z.number().int(),
});
export const CampaignPage = z.object({
  total: z.number().int(),
  items: z.array(CampaignSummaryResponse.omit({ error: true, budget: true })),
  ...page,
});

export const CampaignDetailResponse = z.object({
  campaign: CampaignSummaryResponse.extend({ spec: json }),
  stages: z.array(
    z
      .object({
        stage: z.string(),
        items: z.number().int(),
        byStatus: counts,
        samples: z.number().int(),
        expectedSamples: z.number().int(),
        graded: z.number().int(),
        accepted: z.number().int(),
        acceptRate: z.number().nullable(),
      })
      .loose(),
  ),
  rejections: z.array(z.object({ stage: z.string(), reason: z.string(), count: z.number().int() })),
  cost: z.object({ total: CostLineResponse, byStage: z.array(CostLineResponse.extend({ stage: z.string() })) }),
  budgetUsage: BudgetUsageResponse.nullable(),
  throughput: z.object({
    windowSeconds: z.number(),
    samplesPerSecond: z.number(),
    tokensPerSecond: z.number(),
    remainingSamples: z.number().int(),
    etaSeconds: z.number().nullable(),
  }),
});

export const CampaignCostResponse = z.object({
  total: CostLineResponse,
  byStage: z.array(CostLineResponse.extend({ stage: z.string() })),
  byShard: z.array(CostLineResponse.extend({ shardIndex: z.number().int() })),
});

export const CampaignChartsResponse = z.object({
  throughput: z.array(z.object({ at: z.string(), samples: z.number(), accepted: z.number(), completionTokens: z.number() })),
  bucketSeconds: z.number(),
  successDistribution: z.array(z.object({ stage: z.string(), correct: z.number().int(), questions: z.number().int() })),
  toolCalls: z.array(z.object({ toolCalls: z.number().int(), samples: z.number().int() })),
  tokenLengths: z.array(z.object({ from: z.number(), to: z.number(), samples: z.number().int() })),
});

export const AuditTrail = z.object({
  items: z.array(
    z.object({ at: timestamp, actor: z.string(), action: z.string(), target: z.string(), before: z.unknown(), after: z.unknown() }),
  ),
});

export const CampaignTransition = z.object({
  campaign: CampaignSummaryResponse,
  previousStatus: z.string(),
  itemsCancelled: z.number().int().optional(),
});

export const BudgetSet = z.object({
  budget: z.object({ tokens: z.number().nullable(), gpuHours: z.number().nullable() }),
  usage: BudgetUsageResponse.nullable(),
});

export const ShardPage = z.object({
  total: z.number().int(),
  items: z.array(
    z.object({
      shardIndex: z.number().int(),
      questionCount: z.number().int(),
      state: z.string(),
      items: z.number().int(),
      byStatus: counts,
      maxAttempts: z.number().int(),
      retries: z.number().int(),
      failed: z.number().int(),
      lastError: z.string().nullable(),
    }),
  ),
  ...page,
});

export const FailurePage = z.object({
  total: z.number().int(),
  items: z.array(
    z.object({
      questionId: z.string(),
      stage: z.string(),
      shardIndex: z.number().int(),
      attempts: z.number().int(),
      error: z.string().nullable(),
      failedAt: timestamp,
    }),
  ),
  reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  ...page,
});

export const RetryResult = z.object({
  campaignId: z.uuid(),
  retried: z.number().int(),
  shards: z.array(z.object({ shardIndex: z.number().int(), items: z.number().int() })),
});

export const QuarantineResult = z.object({ stagesQuarantined: z.array(z.string()) }).loose();

export const DatasetRecordResponse = z
  .object({
    id: z.string(),
    campaignId: z.uuid(),
    name: z.string(),
    selection: json,
    storagePrefix: z.string(),
    manifestKey: z.string(),
    rowCount: z.number().int(),
    manifestSha256: z.string(),
    createdBy: z.string(),
    createdAt: timestamp,
  })
  .loose();
export const DatasetPage = z.object({ items: z.array(DatasetRecordResponse), ...page });
export const DatasetWithManifest = z.object({
  dataset: DatasetRecordResponse,
  manifest: json,
  /** Where the manifest is: `s3://bucket/key` for `aws s3`, and its HTTP URL on the configured endpoint. */
  manifestLocation: z.object({ s3Uri: z.string(), httpUrl: z.string() }),
});
export const DatasetDownload = z.object({
  datasetId: z.string(),
  manifestSha256: z.string(),
  expiresInSeconds: z.number().int(),
  files: z.array(z.object({ key: z.string(), name: z.string(), size: z.number().int(), url: z.string() })),
});

export const TrainingRunResponse = z
  .object({
    id: z.uuid(),
    datasetId: z.string(),
    backend: z.string(),
    profile: json,
    config: json,
    status: z.string(),
    externalId: z.string().nullable(),
    error: z.string().nullable(),
    createdBy: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .loose();
export const TrainingRunPage = z.object({ items: z.array(TrainingRunResponse), ...page });
export const TrainingRunWithEvents = z.object({
  run: TrainingRunResponse,
  events: z.array(z.object({ status: z.string(), detail: json.nullable(), at: timestamp })),
});

export const TokenCreated = z.object({
  id: z.uuid(),
  token: z.string(),
  name: z.string(),
  role: z.string(),
  team: z.string().nullable(),
});
export const TokenList = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      role: z.string(),
      team: z.string().nullable(),
      created_by: z.string(),
      created_at: timestamp,
      last_used_at: timestamp.nullable(),
      revoked_at: timestamp.nullable(),
    }),
  ),
});
export const TokenRevoked = z.object({ id: z.uuid(), revoked: z.literal(true) });

const PipelineStepStatusField = z.string().meta({ description: 'waiting, running, succeeded, failed, partial or accepted' });

export const PipelineSummaryResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  team: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
  /** Steps per status, e.g. {"succeeded": 3, "running": 1, "waiting": 5}. */
  steps: counts,
});

export const PipelineCreated = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The team it belongs to (the spec's, else the submitting token's). */
  team: z.string(),
  order: z.array(z.string()),
  files: z.record(z.string(), z.object({ key: z.string(), sha256: z.string(), bytes: z.number().int() })),
  benchmarks: z.array(z.object({ name: z.string(), problems: z.number().int(), sha256: z.string() })),
});

export const PipelineStepView = z.object({
  name: z.string(),
  kind: z.string(),
  status: PipelineStepStatusField,
  reason: z.string().nullable(),
  dependsOn: z.array(z.string()),
  output: json.nullable(),
  /** One line: the campaign and its progress, the dataset, the run and its status, the served model. */
  summary: z.string().nullable(),
  /** The failed or partial step upstream that holds this waiting step. */
  heldBy: z.string().nullable(),
  /** What an operator runs next for a failed or partial step. */
  next: z.string().nullable(),
  updatedAt: timestamp,
  events: z.array(z.object({ status: z.string(), detail: json.nullable(), at: timestamp })),
});

export const PipelineDetailResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  team: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
  spec: json,
  files: z.record(z.string(), z.object({ key: z.string(), sha256: z.string(), bytes: z.number().int() })),
  finished: z.boolean(),
  /** Steps in run order. */
  steps: z.array(PipelineStepView),
});

export const PipelineStepChanged = z.object({
  pipelineId: z.uuid(),
  step: z.string(),
  status: PipelineStepStatusField,
  reason: z.string().nullable(),
});

const Estimate = z.object({ value: z.number(), interval: z.tuple([z.number(), z.number()]) });
export const EvalReportResponse = z.object({
  pipelineId: z.uuid(),
  /** Metric names shown, e.g. pass@1, pass@16, maj@16. */
  metrics: z.array(z.string()),
  models: z.array(z.string()),
  benchmarks: z.array(z.string()),
  /** One entry per model x benchmark an eval step ran; `score` is null until a sample is graded. */
  cells: z.array(
    z.object({
      step: z.string(),
      model: z.string(),
      benchmark: z.string(),
      campaignId: z.uuid(),
      samples: z.number().int(),
      score: z
        .object({
          questions: z.number().int(),
          samplesPerQuestion: z.object({ min: z.number().int(), max: z.number().int() }),
          metrics: z.record(z.string(), Estimate),
        })
        .nullable(),
    }),
  ),
  /** Per metric, models as rows and benchmarks as columns (null: not evaluated yet). */
  tables: z.array(
    z.object({
      metric: z.string(),
      benchmarks: z.array(z.string()),
      rows: z.array(
        z.object({
          model: z.string(),
          cells: z.array(
            z
              .object({
                value: z.number(),
                interval: z.tuple([z.number(), z.number()]),
                questions: z.number().int(),
                samplesPerQuestion: z.object({ min: z.number().int(), max: z.number().int() }),
              })
              .nullable(),
          ),
        }),
      ),
    }),
  ),
});

export const ModelResponse = z.object({
  name: z.string(),
  profile: z.string(),
  endpoints: z.array(z.string()),
  lineage: z.union([
    z.object({ kind: z.literal('base') }),
    z.object({ kind: z.literal('trained'), baseModel: z.string(), trainingRunId: z.string(), datasetId: z.string() }),
  ]),
  createdBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const BenchmarkResponse = z.object({
  name: z.string(),
  objectKey: z.string(),
  sha256: z.string(),
  problems: z.number().int(),
  createdBy: z.string(),
  createdAt: timestamp,
});
