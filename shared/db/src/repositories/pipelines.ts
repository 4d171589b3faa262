import type { DbOrTx } from '../create-db.ts';
import type { PipelineFileRef } from '../schema.ts';
import { type PipelineStepStatus, pipelineStepPredecessors, type StepKind } from '@rft/pipeline';

export interface NewPipeline {
  id: string;
  name: string;
  /** The validated spec, as stored (what the pipeline runs is what it was submitted with). */
  spec: Record<string, unknown>;
  steps: ReadonlyArray<{ name: string; kind: StepKind }>;
  /** The files the spec names (question files, training profiles), by the path written in the spec. */
  files?: Record<string, PipelineFileRef>;
  /** The team it belongs to, as a campaign does. @defaultValue "default" */
  team?: string;
  createdBy?: string;
  at: Date;
}

export interface PipelineStepRow {
  pipelineId: string;
  name: string;
  kind: StepKind;
  status: PipelineStepStatus;
  output: Record<string, unknown> | null;
  reason: string | null;
  updatedAt: Date;
}

export class PipelineConflictError extends Error {
  override readonly name = 'PipelineConflictError';
}

/** Records a pipeline and every step `waiting`, with one event each, in one transaction. */
export async function insertPipeline(db: DbOrTx, pipeline: NewPipeline): Promise<void> {
  if (pipeline.steps.length === 0) throw new Error(`pipeline ${pipeline.id} has no steps`);
  const write = async (tx: DbOrTx) => {
    const inserted = await tx
      .insertInto('pipelines')
      .values({
        id: pipeline.id,
        name: pipeline.name,
        spec: JSON.stringify(pipeline.spec),
        files: JSON.stringify(pipeline.files ?? {}),
        team: pipeline.team,
        created_by: pipeline.createdBy,
        created_at: pipeline.at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new PipelineConflictError(`pipeline ${pipeline.id} already exists`);
    await tx
      .insertInto('pipeline_steps')
      .values(
        pipeline.steps.map((s) => ({
          pipeline_id: pipeline.id,
          name: s.name,
          kind: s.kind,
          status: 'waiting' as const,
          output: null,
          reason: null,
          updated_at: pipeline.at,
        })),
      )
      .execute();
    await tx
      .insertInto('pipeline_step_events')
      .values(pipeline.steps.map((s) => ({ pipeline_id: pipeline.id, step: s.name, status: 'waiting', detail: null, at: pipeline.at })))
      .execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export interface PipelineRow {
  id: string;
  name: string;
  spec: Record<string, unknown>;
  files: Record<string, PipelineFileRef>;
  team: string;
  createdBy: string;
  createdAt: Date;
}

export async function getPipeline(db: DbOrTx, id: string): Promise<PipelineRow | null> {
  const row = await db.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toPipelineRow(row) : null;
}

/** Pipelines, newest first (`name` narrows to one pipeline name, `team` to one team's). */
export async function listPipelines(db: DbOrTx, opts: { name?: string; team?: string; limit?: number } = {}): Promise<PipelineRow[]> {
  let query = db
    .selectFrom('pipelines')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(opts.limit ?? 100);
  if (opts.name !== undefined) query = query.where('name', '=', opts.name);
  if (opts.team !== undefined) query = query.where('team', '=', opts.team);
  return (await query.execute()).map(toPipelineRow);
}

/** Pipelines with a step still waiting or running: what the scheduler advances. */
export async function pipelineIdsWithUnfinishedSteps(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectFrom('pipeline_steps')
    .select('pipeline_id')
    .distinct()
    .where('status', 'in', ['waiting', 'running'])
    .execute();
  return rows.map((r) => r.pipeline_id);
}

function toPipelineRow(r: {
  id: string;
  name: string;
  spec: Record<string, unknown>;
  files: Record<string, PipelineFileRef>;
  team: string;
  created_by: string;
  created_at: Date;
}): PipelineRow {
  return { id: r.id, name: r.name, spec: r.spec, files: r.files, team: r.team, createdBy: r.created_by, createdAt: r.created_at };
}

/** A pipeline's steps, in name order. */
export async function pipelineSteps(db: DbOrTx, pipelineId: string): Promise<PipelineStepRow[]> {
  const rows = await db.selectFrom('pipeline_steps').selectAll().where('pipeline_id', '=', pipelineId).orderBy('name').execute();
  return rows.map(toRow);
}

export interface PipelineStepTransition {
  pipelineId: string;
  step: string;
  to: PipelineStepStatus;
  /** Narrows the allowed predecessors of `to`. */
  from?: readonly PipelineStepStatus[];
  /** Set when given (undefined leaves the column as it is). */
  output?: Record<string, unknown> | null;
  reason?: string | null;
  /** Stored with the event (who retried or accepted, and why). */
  detail?: Record<string, unknown> | null;
  at: Date;
}

export type PipelineStepOutcome = { applied: true; step: PipelineStepRow } | { applied: false; step: PipelineStepRow | null };

/**
 * Moves a step with one guarded statement (`UPDATE ... WHERE status IN (predecessors of to)`), so
 * of two schedulers racing to start a step only one does, and a done step never moves again.
 * Appends one event per applied change.
 */
export async function transitionPipelineStep(db: DbOrTx, t: PipelineStepTransition): Promise<PipelineStepOutcome> {
  const allowed = pipelineStepPredecessors(t.to).filter((s) => !t.from || t.from.includes(s));
  const work = async (tx: DbOrTx): Promise<PipelineStepOutcome> => {
    const updated = allowed.length
      ? await tx
          .updateTable('pipeline_steps')
          .set({
            status: t.to,
            updated_at: t.at,
            ...(t.output !== undefined ? { output: t.output === null ? null : JSON.stringify(t.output) } : {}),
            ...(t.reason !== undefined ? { reason: t.reason } : {}),
          })
          .where('pipeline_id', '=', t.pipelineId)
          .where('name', '=', t.step)
          .where('status', 'in', allowed)
          .returningAll()
          .executeTakeFirst()
      : undefined;
    if (!updated) {
      const current = await tx
        .selectFrom('pipeline_steps')
        .selectAll()
        .where('pipeline_id', '=', t.pipelineId)
        .where('name', '=', t.step)
        .executeTakeFirst();
      return { applied: false, step: current ? toRow(current) : null };
    }
    await tx
      .insertInto('pipeline_step_events')
      .values({
        pipeline_id: t.pipelineId,
        step: t.step,
        status: t.to,
        detail: t.detail ? JSON.stringify(t.detail) : null,
        at: t.at,
      })
      .execute();
    return { applied: true, step: toRow(updated) };
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** A step's status history, oldest first. */
export async function pipelineStepEvents(
  db: DbOrTx,
  pipelineId: string,
  step: string,
): Promise<Array<{ status: PipelineStepStatus; detail: Record<string, unknown> | null; at: Date }>> {
  const rows = await db
    .selectFrom('pipeline_step_events')
    .select(['status', 'detail', 'at'])
    .where('pipeline_id', '=', pipelineId)
    .where('step', '=', step)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    status: r.status as PipelineStepStatus,
    detail: (r.detail as Record<string, unknown> | null) ?? null,
    at: r.at,
  }));
}

type Selected = {
  pipeline_id: string;
  name: string;
  kind: StepKind;
  status: PipelineStepStatus;
  output: Record<string, unknown> | null;
  reason: string | null;
  updated_at: Date;
};

function toRow(r: Selected): PipelineStepRow {
  return {
    pipelineId: r.pipeline_id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    output: r.output,
    reason: r.reason,
    updatedAt: r.updated_at,
  };
}
