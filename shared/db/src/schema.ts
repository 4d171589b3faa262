import type { ApiRole, CampaignStatus, QuestionStageStatus, ShardStatus, TrainingBackend } from '@rft/contracts';
import type { PipelineStepStatus, StepKind } from '@rft/pipeline';
import type { TrainingRunStatus } from './training-run-lifecycle.ts';
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Row types of the ledger, mirroring `migrations/` (the schema snapshot test keeps them honest). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export type { CampaignStatus, QuestionStageStatus, ShardStatus };

export interface CampaignsTable {
  id: Generated<string>;
  name: string;
  team: string;
  spec: JSONColumnType<Record<string, unknown>>;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  question_count: number;
  created_by: ColumnType<string, string | undefined, string>;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
  /** Generated plus uncached prompt tokens after which the campaign pauses. */
  budget_tokens: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  /** Replica-hours after which the campaign pauses. */
  budget_gpu_hours: ColumnType<number | null, number | null | undefined, number | null>;
  /** Why the campaign is in its status (e.g. which budget paused it, who cancelled it). */
  status_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ShardsTable {
  campaign_id: string;
  shard_index: number;
  question_count: number;
  status: ColumnType<ShardStatus, ShardStatus | undefined, ShardStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  updated_at: Timestamp;
  /** When the scheduler last rolled the shard's items up; null until it first does. */
  rolled_up_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface QuestionsTable {
  campaign_id: string;
  question_id: string;
  ordinal: number;
  shard_index: number;
  kind: 'math' | 'code';
  payload: JSONColumnType<Record<string, unknown>>;
  quarantined_at: Date | null;
  quarantine_reason: string | null;
}

export interface QuestionStagesTable {
  campaign_id: string;
  question_id: string;
  stage: string;
  shard_index: number;
  ordinal: number;
  status: ColumnType<QuestionStageStatus, QuestionStageStatus | undefined, QuestionStageStatus>;
  samples_expected: number;
  attempts: ColumnType<number, number | undefined, number>;
  lease_owner: string | null;
  last_error: string | null;
  queued_at: Date | null;
  updated_at: Timestamp;
}

export interface SamplesTable {
  id: Generated<string>;
  campaign_id: string;
  question_id: string;
  stage: string;
  sample_index: number;
  seed: number;
  attempt: number;
  recipe: string;
  end_reason: string;
  error: string | null;
  trajectory_key: string;
  trajectory_line: number;
  turns: number;
  tool_calls: number;
  hints: number;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  tokens_saved: ColumnType<number, number | undefined, number>;
  latency_ms: number;
  /** CPU time the sandbox spent on this sample's code; null until measured. */
  sandbox_cpu_ms: ColumnType<string | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface GradesTable {
  sample_id: string;
  grader_version: string;
  correct: boolean;
  eligible: boolean;
  reasons: string[];
  metrics: JSONColumnType<Record<string, unknown>>;
  /** CPU time the grader spent on this sample; null until measured. */
  grader_cpu_ms: ColumnType<string | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

export interface DatasetsTable {
  id: string;
  campaign_id: string;
  name: string;
  selection: JSONColumnType<Record<string, unknown>>;
  storage_prefix: string;
  manifest_key: string;
  row_count: number;
  manifest_sha256: string;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

export interface DatasetItemsTable {
  dataset_id: string;
  sample_id: string;
  question_id: string;
}

export interface TrainingRunsTable {
  id: Generated<string>;
  dataset_id: string;
  backend: TrainingBackend;
  profile: JSONColumnType<Record<string, unknown>>;
  config: JSONColumnType<Record<string, unknown>>;
  status: TrainingRunStatus;
  external_id: string | null;
  error: string | null;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export interface TrainingRunEventsTable {
  id: Generated<string>;
  run_id: string;
  status: string;
  detail: Json | null;
  at: Timestamp;
}

export interface ModelsTable {
  name: string;
  profile: string;
  endpoints: JSONColumnType<string[]>;
  base_model: string | null;
  training_run_id: string | null;
  dataset_id: string | null;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PipelinesTable {
  id: string;
  name: string;
  spec: JSONColumnType<Record<string, unknown>>;
  files: ColumnType<Record<string, PipelineFileRef>, string | undefined, string>;
  /** Who may see it and the team of the campaigns it registers (migration 0009). */
  team: ColumnType<string, string | undefined, string>;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

/** A file a pipeline was submitted with, as stored in the object store. */
export interface PipelineFileRef {
  key: string;
  sha256: string;
  bytes: number;
}

export interface BenchmarksTable {
  name: string;
  object_key: string;
  sha256: string;
  problems: number;
  created_by: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
}

export interface PipelineStepsTable {
  pipeline_id: string;
  name: string;
  kind: StepKind;
  status: PipelineStepStatus;
  output: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  reason: string | null;
  updated_at: Timestamp;
}

export interface PipelineStepEventsTable {
  id: Generated<string>;
  pipeline_id: string;
  step: string;
  status: string;
  detail: Json | null;
  at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  before: Json | null;
  after: Json | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  name: string;
  role: ApiRole;
  /** The team a submitter acts for; optional for other roles. */
  team: string | null;
  token_sha256: string;
  created_by: string;
  created_at: Timestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ShardStageStatsTable {
  campaign_id: string;
  shard_index: number;
  stage: string;
  computed_at: Timestamp;
  samples: number;
  graded: number;
  correct: number;
  eligible: number;
  accepted: number;
  tool_calls: ColumnType<string, number | string, number | string>;
  hints: ColumnType<string, number | string, number | string>;
  prompt_tokens: ColumnType<string, number | string, number | string>;
  cached_tokens: ColumnType<string, number | string, number | string>;
  completion_tokens: ColumnType<string, number | string, number | string>;
  latency_ms: ColumnType<string, number | string, number | string>;
  sandbox_cpu_ms: ColumnType<string | null, number | string | null, number | string | null>;
  grader_cpu_ms: ColumnType<string | null, number | string | null, number | string | null>;
  /** Rejection reason -> samples whose newest grade carries it. */
  rejections: JSONColumnType<Record<string, number>>;
  charts: JSONColumnType<ShardCharts>;
}

/** Dashboard series of one shard and stage, merged across shards when read. */
export interface ShardCharts {
  /** Epoch minute -> [samples, accepted, generated tokens]. */
  minutes: Record<string, [number, number, number]>;
  /** Generated tokens / 64 -> samples. */
  lengths: Record<string, number>;
  /** min(tool calls, 16) -> samples. */
  tools: Record<string, number>;
  /** Correct samples of a question -> questions. */
  success: Record<string, number>;
}

export interface Database {
  api_tokens: ApiTokensTable;
  shard_stage_stats: ShardStageStatsTable;
  campaigns: CampaignsTable;
  shards: ShardsTable;
  questions: QuestionsTable;
  question_stages: QuestionStagesTable;
  samples: SamplesTable;
  grades: GradesTable;
  datasets: DatasetsTable;
  dataset_items: DatasetItemsTable;
  training_runs: TrainingRunsTable;
  training_run_events: TrainingRunEventsTable;
  audit_events: AuditEventsTable;
  models: ModelsTable;
  pipelines: PipelinesTable;
  benchmarks: BenchmarksTable;
  pipeline_steps: PipelineStepsTable;
  pipeline_step_events: PipelineStepEventsTable;
}
