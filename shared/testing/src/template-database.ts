import { createHash } from 'node:crypto';
import { MIGRATIONS, migrateToLatest } from '@rft/migrations';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

/** The admin connection string with another database name. */
export function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A migrated database named after a hash of the migration sources, created once and reused by
 * every test file as a template (CREATE DATABASE ... TEMPLATE is a file copy: milliseconds).
 */
export async function prepareTemplateDatabase(adminUrl: string): Promise<string> {
  const fingerprint = createHash('sha256')
    .update(
      Object.entries(MIGRATIONS)
        .map(([name, m]) => name + m.up.toString())
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 12);
  const name = `rft_template_${fingerprint}`;
  await withAdmin(adminUrl, async (client) => {
    // Serialize concurrent test runs preparing the same template.
    await client.query('SELECT pg_advisory_lock(42424242)');
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return;
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${building}`);
      await client.query(`CREATE DATABASE ${building}`);
      const db = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: withDatabase(adminUrl, building), max: 1 }) }),
      });
      try {
        await migrateToLatest(db);
        await sql`SELECT 1`.execute(db);
      } finally {
        await db.destroy();
      }
      await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      // Templates of older migration sets are dropped so they do not pile up.
      const stale = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'rft_template_%' AND datname <> $1",
        [name],
      );
      for (const row of stale.rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname}`).catch(() => {});
    } finally {
      await client.query('SELECT pg_advisory_unlock(42424242)');
    }
  });
  return name;
}

/** A fresh database cloned from the template; `drop()` removes it. */
export async function cloneDatabase(adminUrl: string, template: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `rft_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
