import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The files a pipeline was submitted with (question files, training profiles), stored in the object
 * store and mapped here from the path the spec names, so a step started days later reads exactly
 * what was submitted; and registered benchmark sets, which evaluation samples and decontamination
 * checks training questions against.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // { "<path as written in the spec>": { "key": "<object key>", "sha256": "<hex>", "bytes": n } }
  await sql`ALTER TABLE pipelines ADD COLUMN files jsonb NOT NULL DEFAULT '{}'`.execute(db);

  await sql`
    CREATE TABLE benchmarks (
      name text PRIMARY KEY,
      object_key text NOT NULL,
      sha256 text NOT NULL,
      problems integer NOT NULL CHECK (problems > 0),
      created_by text NOT NULL DEFAULT 'system',
      created_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are append-only: restore from backup instead of migrating down');
}
