import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Models as records (a served name, its profile, endpoints and where it came from), and pipelines:
 * a validated spec and one row per step with its state, so a chain of campaigns, selections,
 * training runs and serving survives restarts like every other state.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE models (
      name text PRIMARY KEY,
      profile text NOT NULL,
      endpoints jsonb NOT NULL DEFAULT '[]',
      -- Lineage: a base model has none; a trained model names the run and the dataset it was trained on.
      base_model text REFERENCES models (name),
      training_run_id uuid REFERENCES training_runs (id),
      dataset_id text REFERENCES datasets (id),
      created_by text NOT NULL DEFAULT 'system',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK ((training_run_id IS NULL) = (dataset_id IS NULL)),
      CHECK (training_run_id IS NULL OR base_model IS NOT NULL)
    )`.execute(db);

  await sql`
    CREATE TABLE pipelines (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      spec jsonb NOT NULL,
      created_by text NOT NULL DEFAULT 'system',
      created_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE pipeline_steps (
      pipeline_id uuid NOT NULL REFERENCES pipelines (id),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('campaign', 'select', 'train', 'serve', 'eval')),
      status text NOT NULL CHECK (status IN ('waiting', 'running', 'succeeded', 'failed', 'partial', 'accepted')),
      -- What the step produced or is running: campaign id, dataset id, training run id, model name.
      output jsonb,
      reason text,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (pipeline_id, name)
    )`.execute(db);
  await sql`
    CREATE INDEX pipeline_steps_unfinished_idx ON pipeline_steps (pipeline_id)
      WHERE status IN ('waiting', 'running')`.execute(db);

  await sql`
    CREATE TABLE pipeline_step_events (
      id bigserial PRIMARY KEY,
      pipeline_id uuid NOT NULL,
      step text NOT NULL,
      status text NOT NULL,
      detail jsonb,
      at timestamptz NOT NULL,
      FOREIGN KEY (pipeline_id, step) REFERENCES pipeline_steps (pipeline_id, name)
    )`.execute(db);
  await sql`CREATE INDEX pipeline_step_events_step_idx ON pipeline_step_events (pipeline_id, step, id)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
