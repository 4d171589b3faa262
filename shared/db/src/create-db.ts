import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
/** Repository functions take either the database or a transaction as their first parameter. */
export type DbOrTx = Kysely<Database> | Transaction<Database>;

// bigint columns (ids, seeds) arrive as strings by default; seeds fit in 31 bits and ids are kept as strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => value);

export function createDb(opts: { url: string; poolSize?: number; applicationName?: string }): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'rft',
    // A dropped connection (Postgres restart) is replaced on next use instead of crashing the process.
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {
    // Errors of idle clients surface on the next query; the pool replaces the client.
  });
  // A checked-out client (held between the statements of a transaction) whose backend is terminated
  // emits 'error' with no query to fail: without a listener that is an uncaught exception that kills
  // the process. Its next query fails instead, and the pool drops it on release (not queryable).
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
