import type { DbOrTx } from '../create-db.ts';

/** A registered benchmark set: held-out problems that evaluation samples and decontamination checks against. */
export interface BenchmarkRow {
  name: string;
  /** Object-store key of the JSONL problems (one Question per line). */
  objectKey: string;
  sha256: string;
  problems: number;
  createdBy: string;
  createdAt: Date;
}

export class BenchmarkConflictError extends Error {
  override readonly name = 'BenchmarkConflictError';
}

/**
 * Registers a benchmark. Registering the same name with the same content again returns the
 * existing row; other content under a taken name is refused: reports and decontamination reasons
 * name benchmarks, so a name must always mean the same problems.
 */
export async function registerBenchmark(db: DbOrTx, b: Omit<BenchmarkRow, 'createdAt'> & { at: Date }): Promise<BenchmarkRow> {
  const inserted = await db
    .insertInto('benchmarks')
    .values({
      name: b.name,
      object_key: b.objectKey,
      sha256: b.sha256,
      problems: b.problems,
      created_by: b.createdBy,
      created_at: b.at,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return toRow(inserted);
  const existing = await getBenchmark(db, b.name);
  if (!existing) throw new Error(`benchmark ${b.name} vanished while registering it`);
  if (existing.sha256 !== b.sha256)
    throw new BenchmarkConflictError(
      `benchmark ${b.name} is already registered with other content (sha256 ${existing.sha256.slice(0, 12)}..., ${existing.problems} problems); register the new file under another name`,
    );
  return existing;
}

export async function getBenchmark(db: DbOrTx, name: string): Promise<BenchmarkRow | null> {
  const row = await db.selectFrom('benchmarks').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function listBenchmarks(db: DbOrTx): Promise<BenchmarkRow[]> {
  return (await db.selectFrom('benchmarks').selectAll().orderBy('name').execute()).map(toRow);
}

function toRow(r: {
  name: string;
  object_key: string;
  sha256: string;
  problems: number;
  created_by: string;
  created_at: Date;
}): BenchmarkRow {
  return {
    name: r.name,
    objectKey: r.object_key,
    sha256: r.sha256,
    problems: r.problems,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}
