import { sql } from 'kysely';
import type { DbOrTx } from './create-db.ts';

/** Resolves when Postgres answers a query; rejects with the driver's error otherwise (readiness probes). */
export async function pingDatabase(db: DbOrTx): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/**
 * Takes a transaction-scoped advisory lock without waiting: true when this transaction now holds
 * `key`, false when another one does. Released at commit or rollback, so a crashed holder frees it.
 * Used to let one of several replicas lead (the scheduler's tick).
 */
export async function tryTransactionLock(tx: DbOrTx, key: bigint): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${key}) AS locked`.execute(tx);
  return rows[0]?.locked === true;
}
