import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Training runs can be in a state the cluster no longer reports (a Slurm job that aged out of every
 * record, a PyTorchJob deleted by hand): `unknown`, not yet finished, polled again. Also an index for
 * the status poller, which reads submitted, unfinished runs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE training_runs DROP CONSTRAINT training_runs_status_check`.execute(db);
  await sql`
    ALTER TABLE training_runs ADD CONSTRAINT training_runs_status_check
      CHECK (status IN ('submitting', 'pending', 'running', 'succeeded', 'failed', 'cancelled', 'rejected', 'unknown'))`.execute(db);
  await sql`
    CREATE INDEX training_runs_active_idx ON training_runs (created_at)
      WHERE status IN ('submitting', 'pending', 'running', 'unknown')`.execute(db);
  await sql`CREATE INDEX training_run_events_run_idx ON training_run_events (run_id, id)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
