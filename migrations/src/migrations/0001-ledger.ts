import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE campaigns (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      team text NOT NULL,
      spec jsonb NOT NULL,
      status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'paused', 'curating', 'completed', 'failed', 'cancelled')),
      question_count integer NOT NULL CHECK (question_count > 0),
      created_by text NOT NULL DEFAULT 'system',
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX campaigns_status_idx ON campaigns (status) WHERE status IN ('running', 'curating')`.execute(db);

  await sql`
    CREATE TABLE shards (
      campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      shard_index integer NOT NULL CHECK (shard_index >= 0),
      question_count integer NOT NULL CHECK (question_count > 0),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (campaign_id, shard_index)
    )`.execute(db);

  await sql`
    CREATE TABLE questions (
      campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      question_id text NOT NULL,
      ordinal integer NOT NULL CHECK (ordinal >= 0),
      shard_index integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('math', 'code')),
      payload jsonb NOT NULL,
      quarantined_at timestamptz,
      quarantine_reason text,
      PRIMARY KEY (campaign_id, question_id),
      UNIQUE (campaign_id, ordinal),
      FOREIGN KEY (campaign_id, shard_index) REFERENCES shards (campaign_id, shard_index)
    )`.execute(db);

  // The unit of work: one question in one stage. Its rollout job generates the missing samples.
  await sql`
    CREATE TABLE question_stages (
      campaign_id uuid NOT NULL,
      question_id text NOT NULL,
      stage text NOT NULL,
      shard_index integer NOT NULL,
      ordinal integer NOT NULL,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'queued', 'running', 'generated', 'graded', 'failed', 'quarantined')),
      samples_expected integer NOT NULL CHECK (samples_expected > 0),
      attempts integer NOT NULL DEFAULT 0,
      lease_owner text,
      last_error text,
      queued_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (campaign_id, question_id, stage),
      FOREIGN KEY (campaign_id, question_id) REFERENCES questions (campaign_id, question_id) ON DELETE CASCADE
    )`.execute(db);
  await sql`CREATE INDEX question_stages_pending_idx ON question_stages (campaign_id, ordinal) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX question_stages_inflight_idx ON question_stages (status, updated_at) WHERE status IN ('queued', 'running', 'generated')`.execute(
    db,
  );
  await sql`CREATE INDEX question_stages_shard_idx ON question_stages (campaign_id, shard_index, status)`.execute(db);

  await sql`
    CREATE TABLE samples (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      campaign_id uuid NOT NULL,
      question_id text NOT NULL,
      stage text NOT NULL,
      sample_index integer NOT NULL CHECK (sample_index >= 0),
      seed integer NOT NULL,
      attempt integer NOT NULL,
      recipe text NOT NULL,
      end_reason text NOT NULL,
      error text,
      trajectory_key text NOT NULL,
      trajectory_line integer NOT NULL,
      turns integer NOT NULL,
      tool_calls integer NOT NULL,
      hints integer NOT NULL,
      prompt_tokens integer NOT NULL,
      cached_tokens integer NOT NULL,
      completion_tokens integer NOT NULL,
      tokens_saved integer NOT NULL DEFAULT 0,
      latency_ms integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (campaign_id, question_id, stage, sample_index),
      FOREIGN KEY (campaign_id, question_id, stage) REFERENCES question_stages (campaign_id, question_id, stage) ON DELETE CASCADE
    )`.execute(db);

  await sql`
    CREATE TABLE grades (
      sample_id bigint NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
      grader_version text NOT NULL,
      correct boolean NOT NULL,
      eligible boolean NOT NULL,
      reasons text[] NOT NULL,
      metrics jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sample_id, grader_version)
    )`.execute(db);

  await sql`
    CREATE TABLE datasets (
      id text PRIMARY KEY,
      campaign_id uuid NOT NULL REFERENCES campaigns (id),
      name text NOT NULL,
      selection jsonb NOT NULL,
      storage_prefix text NOT NULL,
      manifest_key text NOT NULL,
      row_count integer NOT NULL CHECK (row_count > 0),
      manifest_sha256 text NOT NULL,
      created_by text NOT NULL DEFAULT 'system',
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX datasets_campaign_idx ON datasets (campaign_id, created_at)`.execute(db);

  await sql`
    CREATE TABLE dataset_items (
      dataset_id text NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
      sample_id bigint NOT NULL REFERENCES samples (id),
      question_id text NOT NULL,
      PRIMARY KEY (dataset_id, sample_id),
      UNIQUE (dataset_id, question_id)
    )`.execute(db);

  await sql`
    CREATE TABLE training_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      dataset_id text NOT NULL REFERENCES datasets (id),
      backend text NOT NULL CHECK (backend IN ('slurm', 'kubernetes', 'bundle')),
      profile jsonb NOT NULL,
      config jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('submitting', 'pending', 'running', 'succeeded', 'failed', 'cancelled', 'rejected')),
      external_id text,
      error text,
      created_by text NOT NULL DEFAULT 'system',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`
    CREATE TABLE training_run_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      run_id uuid NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
      status text NOT NULL,
      detail jsonb,
      at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE audit_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      target_type text NOT NULL,
      target_id text NOT NULL,
      before jsonb,
      after jsonb
    )`.execute(db);
  await sql`CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
