import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * When the scheduler last rolled a shard's work items up into its status. With it, each tick
 * re-aggregates only shards whose items changed since, not every item of every running campaign.
 * NULL: never rolled up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE shards ADD COLUMN rolled_up_at timestamptz`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
