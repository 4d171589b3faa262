import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * `rft pull NAME@latest` and every lookup of a dataset by name read the newest version of a name:
 * without this index that is a scan of every version ever registered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX datasets_name_created_idx ON datasets (name, created_at DESC, id DESC)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
