/**
 * The one state machine of a pipeline step (stored as `pipeline_steps.status` by @rft/db).
 *
 * A step `waiting` for its inputs is started (`running`) once every input is done, and ends
 * `succeeded`, `failed` or `partial` (e.g. a campaign with quarantined questions). A failed or
 * partial step stops the chain until an operator retries it (back to `waiting`) or accepts it
 * (`accepted`: its output is used as it is). `succeeded` and `accepted` are never left.
 */
export const PIPELINE_STEP_STATUSES = ['waiting', 'running', 'succeeded', 'failed', 'partial', 'accepted'] as const;
/** `pipeline_steps.status` (CHECK-constrained to the same list by the migrations). */
export type PipelineStepStatus = (typeof PIPELINE_STEP_STATUSES)[number];

/** Allowed moves, by current status. A status never moves to itself. */
export const PIPELINE_STEP_TRANSITIONS: Readonly<Record<PipelineStepStatus, readonly PipelineStepStatus[]>> = {
  waiting: ['running'],
  running: ['succeeded', 'failed', 'partial'],
  failed: ['waiting', 'accepted'],
  partial: ['waiting', 'accepted'],
  succeeded: [],
  accepted: [],
};

/** States whose output later steps may use. */
export const DONE_PIPELINE_STEP_STATUSES: readonly PipelineStepStatus[] = ['succeeded', 'accepted'];
/** States that hold the chain until an operator acts. */
export const BLOCKING_PIPELINE_STEP_STATUSES: readonly PipelineStepStatus[] = ['failed', 'partial'];

export function canTransitionPipelineStep(from: PipelineStepStatus, to: PipelineStepStatus): boolean {
  return PIPELINE_STEP_TRANSITIONS[from].includes(to);
}

/** Every status `to` may be reached from: the guard of the `UPDATE ... WHERE status IN (...)`. */
export function pipelineStepPredecessors(to: PipelineStepStatus): PipelineStepStatus[] {
  return PIPELINE_STEP_STATUSES.filter((from) => canTransitionPipelineStep(from, to));
}
