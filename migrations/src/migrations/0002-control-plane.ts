import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// The control plane: API tokens with roles, campaign budgets with a status reason, and the
// CPU-time columns the sandbox and the grader fill for cost accounting.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE api_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('submitter', 'operator', 'launcher', 'admin')),
      team text,
      token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      CHECK (role <> 'submitter' OR team IS NOT NULL)
    )`.execute(db);

  // Budgets: generated+uncached-prompt tokens and GPU-hours (replica-seconds / 3600). Reaching one
  // pauses the campaign; status_reason says why a campaign is in its status.
  await sql`
    ALTER TABLE campaigns
      ADD COLUMN budget_tokens bigint CHECK (budget_tokens > 0),
      ADD COLUMN budget_gpu_hours double precision CHECK (budget_gpu_hours > 0),
      ADD COLUMN status_reason text`.execute(db);
  await sql`CREATE INDEX campaigns_team_created_idx ON campaigns (team, created_at)`.execute(db);

  // Filled by the workers once they measure them; null means "not measured".
  await sql`ALTER TABLE samples ADD COLUMN sandbox_cpu_ms bigint CHECK (sandbox_cpu_ms >= 0)`.execute(db);
  await sql`ALTER TABLE grades ADD COLUMN grader_cpu_ms bigint CHECK (grader_cpu_ms >= 0)`.execute(db);

  await sql`CREATE INDEX samples_campaign_created_idx ON samples (campaign_id, created_at)`.execute(db);
  await sql`CREATE INDEX question_stages_failed_idx ON question_stages (campaign_id, shard_index) WHERE status = 'failed'`.execute(db);
  await sql`CREATE INDEX training_runs_dataset_idx ON training_runs (dataset_id, created_at)`.execute(db);

  // Per shard and stage roll-up of samples and their newest grades, recomputed only for shards whose
  // work items changed since (status views then read a few rows per shard instead of every sample).
  await sql`
    CREATE TABLE shard_stage_stats (
      campaign_id uuid NOT NULL,
      shard_index integer NOT NULL,
      stage text NOT NULL,
      computed_at timestamptz NOT NULL,
      samples integer NOT NULL,
      graded integer NOT NULL,
      correct integer NOT NULL,
      eligible integer NOT NULL,
      accepted integer NOT NULL,
      tool_calls bigint NOT NULL,
      hints bigint NOT NULL,
      prompt_tokens bigint NOT NULL,
      cached_tokens bigint NOT NULL,
      completion_tokens bigint NOT NULL,
      latency_ms bigint NOT NULL,
      sandbox_cpu_ms bigint,
      grader_cpu_ms bigint,
      rejections jsonb NOT NULL,
      -- Dashboard series: samples per minute, generated-length and tool-call histograms, questions by correct count.
      charts jsonb NOT NULL,
      PRIMARY KEY (campaign_id, shard_index, stage),
      FOREIGN KEY (campaign_id, shard_index) REFERENCES shards (campaign_id, shard_index) ON DELETE CASCADE
    )`.execute(db);
  await sql`CREATE INDEX question_stages_shard_updated_idx ON question_stages (campaign_id, shard_index, updated_at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
