import { sql } from 'kysely';
import type { DbOrTx } from '../create-db.ts';
import type { TrainingRunStatus } from '../schema.ts';

export type TrainingBackend = 'slurm' | 'kubernetes' | 'bundle';

export const TERMINAL_RUN_STATUSES: readonly TrainingRunStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];

export interface TrainingRunRecord {
  id: string;
  datasetId: string;
  backend: TrainingBackend;
  profile: Record<string, unknown>;
  config: Record<string, unknown>;
  status: TrainingRunStatus;
  externalId: string | null;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const columns = [
  'id',
  'dataset_id',
  'backend',
  'profile',
  'config',
  'status',
  'external_id',
  'error',
  'created_by',
  'created_at',
  'updated_at',
  'finished_at',
] as const;

type Row = {
  id: string;
  dataset_id: string;
  backend: TrainingBackend;
  profile: Record<string, unknown>;
  config: Record<string, unknown>;
  status: TrainingRunStatus;
  external_id: string | null;
  error: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
};

const toRecord = (r: Row): TrainingRunRecord => ({
  id: r.id,
  datasetId: r.dataset_id,
  backend: r.backend,
  profile: r.profile,
  config: r.config,
  status: r.status,
  externalId: r.external_id,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

export async function insertTrainingRun(
  db: DbOrTx,
  input: {
    datasetId: string;
    backend: TrainingBackend;
    profile: Record<string, unknown>;
    config: Record<string, unknown>;
    createdBy: string;
  },
): Promise<TrainingRunRecord> {
  const row = await db
    .insertInto('training_runs')
    .values({
      dataset_id: input.datasetId,
      backend: input.backend,
      profile: JSON.stringify(input.profile),
      config: JSON.stringify(input.config),
      status: 'submitting',
      created_by: input.createdBy,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  await db.insertInto('training_run_events').values({ run_id: row.id, status: 'submitting', detail: null }).execute();
  return toRecord(row);
}

/** Records a status change (and its event) unless the run already reached a terminal status. */
export async function updateTrainingRun(
  db: DbOrTx,
  id: string,
  change: { status: TrainingRunStatus; externalId?: string | null; error?: string | null; detail?: Record<string, unknown> },
): Promise<TrainingRunRecord | null> {
  const terminal = TERMINAL_RUN_STATUSES.includes(change.status);
  const row = await db
    .updateTable('training_runs')
    .set({
      status: change.status,
      updated_at: sql`now()`,
      ...(change.externalId !== undefined ? { external_id: change.externalId } : {}),
      ...(change.error !== undefined ? { error: change.error } : {}),
      ...(terminal ? { finished_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .where('status', 'not in', TERMINAL_RUN_STATUSES)
    .returning(columns)
    .executeTakeFirst();
  if (!row) return null;
  await db
    .insertInto('training_run_events')
    .values({ run_id: id, status: change.status, detail: change.detail ? JSON.stringify(change.detail) : null })
    .execute();
  return toRecord(row);
}

export async function getTrainingRun(db: DbOrTx, id: string): Promise<TrainingRunRecord | null> {
  const row = await db.selectFrom('training_runs').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function listTrainingRuns(
  db: DbOrTx,
  opts: { datasetId?: string; status?: readonly TrainingRunStatus[]; limit: number; offset: number },
): Promise<TrainingRunRecord[]> {
  let q = db.selectFrom('training_runs').select(columns);
  if (opts.datasetId) q = q.where('dataset_id', '=', opts.datasetId);
  if (opts.status?.length) q = q.where('status', 'in', opts.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
  return rows.map(toRecord);
}

export async function trainingRunEvents(db: DbOrTx, runId: string) {
  return db.selectFrom('training_run_events').selectAll().where('run_id', '=', runId).orderBy('id').execute();
}
