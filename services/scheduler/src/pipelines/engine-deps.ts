import type { Db, DbOrTx, PipelineRow, PipelineStepRow } from '@rft/db';
import type { PipelineSpec } from '@rft/pipeline';
import type { JobQueues } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { z } from 'zod';

export interface PipelineEngineDeps {
  db: Db;
  queues: JobQueues;
  store: ObjectStore;
  log: Logger;
}

/** One pipeline as a tick sees it: its stored spec and every step's row. */
export interface PipelineView {
  pipeline: PipelineRow;
  spec: PipelineSpec;
  steps: ReadonlyMap<string, PipelineStepRow>;
}

/** A step's recorded output in its kind's shape; throws when it is missing or malformed (a bug, not an input error). */
export function outputOf<S extends z.ZodType>(view: PipelineView, step: string, shape: S): z.infer<S> {
  const row = view.steps.get(step);
  const parsed = shape.safeParse(row?.output);
  if (!parsed.success) throw new Error(`pipeline ${view.pipeline.id}: step ${step} has no usable output (${parsed.error.message})`);
  return parsed.data;
}

/** The bytes of a file the pipeline was submitted with, by the path its spec names. */
export async function pipelineFile(store: ObjectStore, view: PipelineView, path: string): Promise<Uint8Array> {
  const ref = view.pipeline.files[path];
  if (!ref) throw new StepInputError(`the pipeline was submitted without ${JSON.stringify(path)}; resubmit it with the file`);
  const bytes = await store.get(ref.key);
  if (!bytes) throw new StepInputError(`${JSON.stringify(path)} is gone from the object store (${ref.key})`);
  return bytes;
}

/** A problem with a step's inputs that retrying the tick will not fix: the step fails with it as its reason. */
export class StepInputError extends Error {
  override readonly name = 'StepInputError';
}

export type { DbOrTx };
