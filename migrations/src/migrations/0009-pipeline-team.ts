import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * A pipeline belongs to a team, as a campaign does: submitters see their team's pipelines only, and
 * the campaigns a pipeline registers carry its team. Pipelines from before have the campaigns'
 * default team.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE pipelines ADD COLUMN team text NOT NULL DEFAULT 'default'`.execute(db);
  await sql`CREATE INDEX pipelines_team_created_idx ON pipelines (team, created_at DESC)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
