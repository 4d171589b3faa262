import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * A campaign whose items did not all succeed no longer ends `completed`: `completed_with_failures`
 * when some failed (its dataset is built from the rest and marked partial), `failed` when none
 * succeeded. Existing rows keep their status.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE campaigns DROP CONSTRAINT campaigns_status_check`.execute(db);
  await sql`
    ALTER TABLE campaigns ADD CONSTRAINT campaigns_status_check
      CHECK (status IN ('running', 'paused', 'curating', 'completed', 'completed_with_failures', 'failed', 'cancelled'))`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
