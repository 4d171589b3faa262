import type { DbOrTx } from '../create-db.ts';
import type { TrainingRunStatus } from '../schema.ts';

export type TrainingBackend = 'slurm' | 'kubernetes' | 'bundle';

/** States a run never leaves. */
export const FINISHED_TRAINING_RUN_STATUSES: readonly TrainingRunStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];
/** States a run can still move on from. */
export const ACTIVE_TRAINING_RUN_STATUSES: readonly TrainingRunStatus[] = ['submitting', 'pending', 'running', 'unknown'];

export interface TrainingRunRow {
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

export interface TrainingRunEventRow {
  status: TrainingRunStatus;
  detail: Record<string, unknown> | null;
  at: Date;
}

export interface NewTrainingRun {
  id: string;
  datasetId: string;
  backend: TrainingRunRow['backend'];
  /** The profile as resolved (defaults filled in). */
  profile: Record<string, unknown>;
  /** The exact plan the cluster is given (DeepSpeed config, trainer arguments, dataset files). */
  config: Record<string, unknown>;
  createdBy?: string;
  at: Date;
}

export class TrainingRunConflictError extends Error {
  override readonly name = 'TrainingRunConflictError';
}

/** Records a run in `submitting` and its first event, in one transaction. */
export async function insertTrainingRun(db: DbOrTx, run: NewTrainingRun): Promise<void> {
  const write = async (tx: DbOrTx) => {
    const inserted = await tx
      .insertInto('training_runs')
      .values({
        id: run.id,
        dataset_id: run.datasetId,
        backend: run.backend,
        profile: JSON.stringify(run.profile),
        config: JSON.stringify(run.config),
        status: 'submitting',
        external_id: null,
        error: null,
        created_by: run.createdBy,
        created_at: run.at,
        updated_at: run.at,
        finished_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new TrainingRunConflictError(`training run ${run.id} already exists`);
    await tx.insertInto('training_run_events').values({ run_id: run.id, status: 'submitting', detail: null, at: run.at }).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export interface TrainingRunTransition {
  id: string;
  to: TrainingRunStatus;
  /** The run must currently be in one of these; otherwise nothing changes and the current row is returned. */
  from: readonly TrainingRunStatus[];
  /** Set when given (undefined leaves the column as it is). */
  externalId?: string;
  error?: string | null;
  /** Stored with the event (backend detail, reason). */
  detail?: Record<string, unknown> | null;
  at: Date;
}

export type TransitionOutcome = { applied: true; run: TrainingRunRow } | { applied: false; run: TrainingRunRow | null };

/**
 * Moves a run to `to` when its current status is in `from`, appending one event per status change,
 * under a row lock so concurrent pollers cannot interleave. Same status: only `error` is refreshed
 * and no event is written. Finished statuses are never left (whatever `from` says).
 */
export async function transitionTrainingRun(db: DbOrTx, t: TrainingRunTransition): Promise<TransitionOutcome> {
  const work = async (tx: DbOrTx): Promise<TransitionOutcome> => {
    const current = await tx.selectFrom('training_runs').selectAll().where('id', '=', t.id).forUpdate().executeTakeFirst();
    if (!current) return { applied: false, run: null };
    const finished = FINISHED_TRAINING_RUN_STATUSES.includes(current.status);
    if (finished || !t.from.includes(current.status)) return { applied: false, run: toRow(current) };
    const changed = current.status !== t.to;
    const updated = await tx
      .updateTable('training_runs')
      .set({
        status: t.to,
        updated_at: t.at,
        ...(t.externalId !== undefined ? { external_id: t.externalId } : {}),
        ...(t.error !== undefined ? { error: t.error } : {}),
        ...(FINISHED_TRAINING_RUN_STATUSES.includes(t.to) ? { finished_at: t.at } : {}),
      })
      .where('id', '=', t.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (changed) {
      await tx
        .insertInto('training_run_events')
        .values({ run_id: t.id, status: t.to, detail: t.detail ? JSON.stringify(t.detail) : null, at: t.at })
        .execute();
    }
    return { applied: true, run: toRow(updated) };
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export async function getTrainingRun(db: DbOrTx, id: string): Promise<TrainingRunRow | null> {
  const row = await db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRow(row) : null;
}

/**
 * Moves a run that has not finished to `status` (any active status may move); null when it had
 * already finished or does not exist.
 */
export async function updateTrainingRun(
  db: DbOrTx,
  id: string,
  change: { status: TrainingRunStatus; externalId?: string | null; error?: string | null; detail?: Record<string, unknown> },
): Promise<TrainingRunRow | null> {
  const outcome = await transitionTrainingRun(db, {
    id,
    to: change.status,
    from: ACTIVE_TRAINING_RUN_STATUSES,
    ...(change.externalId != null ? { externalId: change.externalId } : {}),
    ...(change.error !== undefined ? { error: change.error } : {}),
    detail: change.detail ?? null,
    at: new Date(),
  });
  return outcome.applied ? outcome.run : null;
}

export async function listTrainingRuns(
  db: DbOrTx,
  opts: { datasetId?: string; status?: readonly TrainingRunStatus[]; limit: number; offset: number },
): Promise<TrainingRunRow[]> {
  let q = db.selectFrom('training_runs').selectAll();
  if (opts.datasetId) q = q.where('dataset_id', '=', opts.datasetId);
  if (opts.status?.length) q = q.where('status', 'in', opts.status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
  return rows.map(toRow);
}

/** Submitted runs that have not finished, oldest first: what a status poller looks at. */
export async function listActiveTrainingRuns(db: DbOrTx): Promise<TrainingRunRow[]> {
  const rows = await db
    .selectFrom('training_runs')
    .selectAll()
    .where('status', 'in', ['pending', 'running', 'unknown'])
    .where('external_id', 'is not', null)
    .orderBy('created_at')
    .execute();
  return rows.map(toRow);
}

/** A run's status history, oldest first. */
export async function trainingRunEvents(db: DbOrTx, id: string): Promise<TrainingRunEventRow[]> {
  const rows = await db
    .selectFrom('training_run_events')
    .select(['status', 'detail', 'at'])
    .where('run_id', '=', id)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    status: r.status as TrainingRunStatus,
    detail: (r.detail as Record<string, unknown> | null) ?? null,
    at: r.at,
  }));
}

type Selected = {
  id: string;
  dataset_id: string;
  backend: TrainingRunRow['backend'];
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

function toRow(r: Selected): TrainingRunRow {
  return {
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
  };
}
