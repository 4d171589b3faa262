/**
 * The one state machine of a training run (`training_runs.status`).
 *
 * `submitting` is recorded before any backend is called, so a crash cannot lose a started job.
 * From there the launcher records what the cluster says: `rejected` (refused, never started) or
 * the cluster's status. `unknown` means the backend cannot tell (a bundle handed to an external
 * launcher, a job the scheduler forgot). Finished statuses are never left.
 */
export const TRAINING_RUN_STATUSES = [
  'submitting',
  'pending',
  'running',
  'unknown',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
] as const;
/** `training_runs.status` (CHECK-constrained to the same list by the migrations). */
export type TrainingRunStatus = (typeof TRAINING_RUN_STATUSES)[number];

/** States a run never leaves. */
export const FINISHED_TRAINING_RUN_STATUSES: readonly TrainingRunStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];
/** States a run can still move on from. */
export const ACTIVE_TRAINING_RUN_STATUSES: readonly TrainingRunStatus[] = ['submitting', 'pending', 'running', 'unknown'];

const CLUSTER_MOVES: readonly TrainingRunStatus[] = ['pending', 'running', 'unknown', 'succeeded', 'failed', 'cancelled'];

/** Allowed moves, by current status. A status never moves to itself. */
export const TRAINING_RUN_TRANSITIONS: Readonly<Record<TrainingRunStatus, readonly TrainingRunStatus[]>> = {
  submitting: [...CLUSTER_MOVES, 'rejected'],
  pending: CLUSTER_MOVES.filter((s) => s !== 'pending'),
  running: CLUSTER_MOVES.filter((s) => s !== 'running'),
  unknown: CLUSTER_MOVES.filter((s) => s !== 'unknown'),
  succeeded: [],
  failed: [],
  cancelled: [],
  rejected: [],
};

export function canTransitionTrainingRun(from: TrainingRunStatus, to: TrainingRunStatus): boolean {
  return TRAINING_RUN_TRANSITIONS[from].includes(to);
}

export function isFinishedTrainingRun(status: TrainingRunStatus): boolean {
  return FINISHED_TRAINING_RUN_STATUSES.includes(status);
}

/** Every status `to` may be reached from: the guard of the `UPDATE ... WHERE status IN (...)`. */
export function trainingRunPredecessors(to: TrainingRunStatus): TrainingRunStatus[] {
  return TRAINING_RUN_STATUSES.filter((from) => canTransitionTrainingRun(from, to));
}
