import {
  getTrainingRun,
  insertTrainingRun,
  listActiveTrainingRuns,
  transitionTrainingRun,
  TrainingRunConflictError,
  type Db,
  type TrainingRunRow,
  type TrainingRunStatus,
} from '@rft/db';
import { InputError } from '@rft/contracts';
import type { LaunchPlan } from './launch-plan.ts';
import {
  canTransition,
  isTerminal,
  RunTransitionError,
  type RunState,
  type RunStatus,
  type RunStore,
  type TrainingRun,
} from './run-store.ts';

/** The launcher's states onto `training_runs.status` (lowercase, CHECK-constrained). */
export function toDbStatus(state: RunState): TrainingRunStatus {
  switch (state) {
    case 'SUBMITTING':
      return 'submitting';
    case 'REJECTED':
      return 'rejected';
    case 'PENDING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'UNKNOWN':
      return 'unknown';
  }
}

export function fromDbStatus(status: TrainingRunStatus): RunState {
  switch (status) {
    case 'submitting':
      return 'SUBMITTING';
    case 'rejected':
      return 'REJECTED';
    case 'pending':
      return 'PENDING';
    case 'running':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'CANCELLED';
    case 'unknown':
      return 'UNKNOWN';
  }
}

const ALL_STATES: readonly RunState[] = ['SUBMITTING', 'REJECTED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'UNKNOWN'];

/** Every state `to` may be reached from, per `canTransition`, as database statuses. */
function sourcesOf(to: RunState): TrainingRunStatus[] {
  return ALL_STATES.filter((from) => canTransition(from, to)).map(toDbStatus);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toRun(row: TrainingRunRow): TrainingRun {
  return {
    runId: row.id,
    datasetId: row.datasetId,
    backend: row.backend,
    plan: row.config as unknown as LaunchPlan,
    state: fromDbStatus(row.status),
    externalId: row.externalId,
    reason: row.error,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface PostgresRunStoreOptions {
  /** Recorded as `training_runs.created_by`. */
  createdBy?: string;
}

/**
 * `RunStore` over `training_runs` + `training_run_events`. `config` holds the exact plan (DeepSpeed
 * config, trainer arguments, dataset files), `profile` the resolved profile; each status change
 * appends an event with the backend's detail. Transitions are checked under a row lock, so a finished
 * run never changes, and a refused submission is stored as `rejected` with the reason and no
 * external id. Run ids are UUIDs (the table's key).
 */
export function createPostgresRunStore(db: Db, opts: PostgresRunStoreOptions = {}): RunStore {
  async function move(
    runId: string,
    to: RunState,
    at: Date,
    from: readonly TrainingRunStatus[],
    patch: { externalId?: string; reason?: string | null },
  ) {
    const outcome = await transitionTrainingRun(db, {
      id: runId,
      to: toDbStatus(to),
      from,
      at,
      ...(patch.externalId !== undefined ? { externalId: patch.externalId } : {}),
      ...(patch.reason !== undefined ? { error: patch.reason } : {}),
      detail: {
        ...(patch.externalId !== undefined ? { externalId: patch.externalId } : {}),
        ...(patch.reason ? { reason: patch.reason } : {}),
      },
    });
    if (outcome.applied) return;
    if (!outcome.run) throw new RunTransitionError(`run ${runId} does not exist`);
    const current = fromDbStatus(outcome.run.status);
    // A finished run asked to stay where it is: nothing to record.
    if (current === to && isTerminal(current)) return;
    throw new RunTransitionError(`run ${runId}: ${current} -> ${to} is not allowed`);
  }

  return {
    async insert(run) {
      if (!UUID.test(run.runId)) throw new InputError(`runId: ${JSON.stringify(run.runId)} is not a UUID (training_runs.id)`);
      try {
        await insertTrainingRun(db, {
          id: run.runId,
          datasetId: run.datasetId,
          backend: run.backend,
          profile: run.plan.profile as unknown as Record<string, unknown>,
          config: run.plan as unknown as Record<string, unknown>,
          ...(opts.createdBy ? { createdBy: opts.createdBy } : {}),
          at: run.createdAt,
        });
      } catch (error) {
        if (error instanceof TrainingRunConflictError) throw new RunTransitionError(error.message);
        // 23503: foreign_key_violation on training_runs.dataset_id.
        if ((error as { code?: string }).code === '23503') {
          throw new InputError(`datasetId: ${run.datasetId} is not a registered dataset version (no row in datasets)`);
        }
        throw error;
      }
    },
    async markSubmitted(runId, externalId, status: RunStatus, at) {
      await move(runId, status, at, ['submitting'], { externalId });
    },
    async markRejected(runId, reason, at) {
      await move(runId, 'REJECTED', at, ['submitting'], { reason });
    },
    async updateStatus(runId, status, reason, at) {
      await move(runId, status, at, sourcesOf(status), { reason });
    },
    async get(runId) {
      if (!UUID.test(runId)) return null;
      const row = await getTrainingRun(db, runId);
      return row ? toRun(row) : null;
    },
    async listActive() {
      return (await listActiveTrainingRuns(db)).map(toRun);
    },
  };
}
