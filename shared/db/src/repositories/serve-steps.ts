import type { DbOrTx } from '../create-db.ts';
import { lockStepIn } from './pipeline-engine.ts';

/**
 * Locks a `running` serve step for the rest of the transaction and returns its output; null when
 * the step is not running (it ended, or an operator moved it). Starting a server under this lock,
 * and recording its handle before the commit, is what keeps a retried job from starting a second one.
 */
export async function lockRunningStepOutput(
  tx: DbOrTx,
  pipelineId: string,
  step: string,
): Promise<{ output: Record<string, unknown> | null } | null> {
  return lockStepIn(tx, pipelineId, step, 'running');
}

/** Replaces a running step's output (its status and events are untouched); false when it is not running. */
export async function setRunningStepOutput(
  db: DbOrTx,
  pipelineId: string,
  step: string,
  output: Record<string, unknown>,
): Promise<boolean> {
  const updated = await db
    .updateTable('pipeline_steps')
    .set({ output: JSON.stringify(output) })
    .where('pipeline_id', '=', pipelineId)
    .where('name', '=', step)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}
