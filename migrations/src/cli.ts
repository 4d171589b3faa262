// `npm run migrate` and `npm run schema:dump`: the only entry point of this package that reads env.
import { writeFile } from 'node:fs/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { connectionProblem } from './connection-problem.ts';
import { migrateToLatest } from './migrate.ts';
import { describeSchema } from './schema-snapshot.ts';
import { SNAPSHOT_PATH } from './snapshot-path.ts';

const command = process.argv[2];
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rft';
const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
try {
  // A first query, so a missing database or a stopped server is one clear line, not a stack trace.
  await sql`SELECT 1`.execute(db).catch((error: unknown) => {
    const problem = connectionProblem(error, url);
    if (!problem) throw error;
    console.error(`migrate: ${problem}`);
    process.exit(1);
  });
  if (command === 'up') {
    const result = await migrateToLatest(db);
    const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } else if (command === 'dump') {
    await migrateToLatest(db);
    await writeFile(SNAPSHOT_PATH, await describeSchema(db));
    console.log(`wrote ${SNAPSHOT_PATH}`);
  } else {
    console.error('usage: cli.ts up|dump');
    process.exitCode = 2;
  }
} finally {
  await db.destroy();
}
