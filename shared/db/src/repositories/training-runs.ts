import type { TrainingBackend } from '@rft/contracts';
import type { DbOrTx } from '../create-db.ts';
import { isFinishedTrainingRun, trainingRunPredecessors, type TrainingRunStatus } from '../training-run-lifecycle.ts';

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
  /** Narrows the allowed predecessors of `to` (e.g. only `submitting` for a submission's outcome). */
  from?: readonly TrainingRunStatus[];
  /** Set when given (undefined leaves the column as it is). */
  externalId?: string;
  error?: string | null;
  /** Replaces `config` (the launcher records the exact plan it submitted). */
  config?: Record<string, unknown>;
  /** Stored with the event (backend detail, reason). */
  detail?: Record<string, unknown> | null;
  at: Date;
}

export type TransitionOutcome = { applied: true; run: TrainingRunRow } | { applied: false; run: TrainingRunRow | null };

/**
 * Moves a run to `to` with one guarded statement (`UPDATE ... WHERE status IN (predecessors of to)`),
 * so of two concurrent reports only one that the state machine allows wins, and a finished run never
 * moves. Appends one event per applied change. Not applied: the current row (or null) is returned.
 */
export async function transitionTrainingRun(db: DbOrTx, t: TrainingRunTransition): Promise<TransitionOutcome> {
  const allowed = trainingRunPredecessors(t.to).filter((s) => !t.from || t.from.includes(s));
  const work = async (tx: DbOrTx): Promise<TransitionOutcome> => {
    const updated = allowed.length
      ? await tx
          .updateTable('training_runs')
          .set({
            status: t.to,
            updated_at: t.at,
            ...(t.externalId !== undefined ? { external_id: t.externalId } : {}),
            ...(t.error !== undefined ? { error: t.error } : {}),
            ...(t.config !== undefined ? { config: JSON.stringify(t.config) } : {}),
            ...(isFinishedTrainingRun(t.to) ? { finished_at: t.at } : {}),
          })
          .where('id', '=', t.id)
          .where('status', 'in', allowed)
          .returningAll()
          .executeTakeFirst()
      : undefined;
    if (!updated) return { applied: false, run: await getTrainingRun(tx, t.id) };
    await tx
      .insertInto('training_run_events')
      .values({ run_id: t.id, status: t.to, detail: t.detail ? JSON.stringify(t.detail) : null, at: t.at })
      .execute();
    return { applied: true, run: toRow(updated) };
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * Sets the reason of a run already recorded `cancelled` (only then): a cancel job whose backend
 * call made the poller record the cluster's own words first states that it was asked for.
 */
export async function setCancelledRunReason(db: DbOrTx, id: string, error: string): Promise<TrainingRunRow | null> {
  const row = await db
    .updateTable('training_runs')
    .set({ error })
    .where('id', '=', id)
    .where('status', '=', 'cancelled')
    .returningAll()
    .executeTakeFirst();
  return row ? toRow(row) : null;
}

export async function getTrainingRun(db: DbOrTx, id: string): Promise<TrainingRunRow | null> {
  const row = await db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRow(row) : null;
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

/** Runs recorded but not yet handed to a backend, oldest first (their launch job may have been lost). */
export async function listSubmittingTrainingRuns(db: DbOrTx, opts: { olderThan: Date }): Promise<TrainingRunRow[]> {
  const rows = await db
    .selectFrom('training_runs')
    .selectAll()
    .where('status', '=', 'submitting')
    .where('created_at', '<', opts.olderThan)
    .orderBy('created_at')
    .execute();
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
