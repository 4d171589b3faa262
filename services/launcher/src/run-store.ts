import type { LaunchPlan } from './launch-plan.ts';

/** Cluster-side state of a run (the launch note's status enum). */
export type RunStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNKNOWN';
/**
 * Lifecycle in the store: SUBMITTING (recorded before the backend is called, so a crash cannot lose a
 * started job), REJECTED (the backend refused it: never started), then the cluster's RunStatus.
 */
export type RunState = 'SUBMITTING' | 'REJECTED' | RunStatus;
export type BackendKind = 'slurm' | 'kubernetes' | 'bundle';

export interface TrainingRun {
  runId: string;
  datasetId: string;
  backend: BackendKind;
  /** The exact plan: profile, DeepSpeed config, trainer arguments, schedule, dataset files. */
  plan: LaunchPlan;
  state: RunState;
  /** Slurm job id, `namespace/name` of the PyTorchJob, or the bundle prefix. */
  externalId: string | null;
  /** Why it was rejected, failed or cancelled, as the backend said it. */
  reason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Persistence of training runs (Postgres `training_runs` in production: run_id primary key,
 * dataset_id, backend, plan jsonb, state, external_id, reason, created_at, updated_at).
 * Implementations must enforce `canTransition` so a finished run never moves again.
 */
export interface RunStore {
  insert(run: Omit<TrainingRun, 'state' | 'externalId' | 'reason' | 'updatedAt'>): Promise<void>;
  /** SUBMITTING -> a RunStatus, with the backend's id. */
  markSubmitted(runId: string, externalId: string, status: RunStatus, at: Date): Promise<void>;
  /** SUBMITTING -> REJECTED with the backend's reason. */
  markRejected(runId: string, reason: string, at: Date): Promise<void>;
  updateStatus(runId: string, status: RunStatus, reason: string | null, at: Date): Promise<void>;
  get(runId: string): Promise<TrainingRun | null>;
  /** Runs the status poller should look at: submitted and not finished. */
  listActive(): Promise<TrainingRun[]>;
}

const TERMINAL: ReadonlySet<RunState> = new Set(['REJECTED', 'SUCCEEDED', 'FAILED', 'CANCELLED']);

export function isTerminal(state: RunState): boolean {
  return TERMINAL.has(state);
}

export function canTransition(from: RunState, to: RunState): boolean {
  if (isTerminal(from)) return from === to;
  if (from === 'SUBMITTING') return to !== 'SUBMITTING';
  return to !== 'SUBMITTING' && to !== 'REJECTED';
}

export class RunTransitionError extends Error {
  override readonly name = 'RunTransitionError';
}

/** In-process RunStore for tests and single-process tools; enforces the same transitions. */
export function createMemoryRunStore(): RunStore & { all(): TrainingRun[] } {
  const runs = new Map<string, TrainingRun>();
  const move = (runId: string, to: RunState, at: Date, patch: Partial<TrainingRun>) => {
    const run = runs.get(runId);
    if (!run) throw new RunTransitionError(`run ${runId} does not exist`);
    if (!canTransition(run.state, to)) throw new RunTransitionError(`run ${runId}: ${run.state} -> ${to} is not allowed`);
    runs.set(runId, { ...run, ...patch, state: to, updatedAt: at });
  };
  return {
    async insert(run) {
      if (runs.has(run.runId)) throw new RunTransitionError(`run ${run.runId} already exists`);
      runs.set(run.runId, { ...run, state: 'SUBMITTING', externalId: null, reason: null, updatedAt: run.createdAt });
    },
    async markSubmitted(runId, externalId, status, at) {
      if (runs.get(runId)?.state !== 'SUBMITTING') throw new RunTransitionError(`run ${runId} is not being submitted`);
      move(runId, status, at, { externalId });
    },
    async markRejected(runId, reason, at) {
      if (runs.get(runId)?.state !== 'SUBMITTING') throw new RunTransitionError(`run ${runId} is not being submitted`);
      move(runId, 'REJECTED', at, { reason });
    },
    async updateStatus(runId, status, reason, at) {
      move(runId, status, at, { reason });
    },
    async get(runId) {
      return runs.get(runId) ?? null;
    },
    async listActive() {
      return [...runs.values()].filter((r) => r.externalId !== null && !isTerminal(r.state));
    },
    all: () => [...runs.values()],
  };
}
