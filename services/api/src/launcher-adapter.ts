import { InputError } from '@rft/contracts';
import type { TrainingRunStatus } from '@rft/db';
import {
  createLauncher,
  SubmissionRejectedError,
  type BackendKind,
  type LaunchBackend,
  type LaunchPlan,
  type RunState,
  type RunStore,
  type TrainingRun,
} from '@rft/launcher';
import type { ObjectStore } from '@rft/storage';
import type { LaunchOutcome, RunHandle, RunLauncher } from './run-launcher.ts';

const TO_LEDGER: Record<Exclude<RunState, 'UNKNOWN'>, TrainingRunStatus> = {
  SUBMITTING: 'submitting',
  REJECTED: 'rejected',
  PENDING: 'pending',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

/**
 * The run store the launcher writes during one call. The API is the one writer of `training_runs`:
 * it records what this call ends with, so the launcher's transitions are only kept in memory here.
 */
function callStore(seed?: TrainingRun): RunStore & { current(): TrainingRun | undefined } {
  let run = seed;
  const move = (patch: Partial<TrainingRun>) => {
    if (run) run = { ...run, ...patch };
  };
  return {
    current: () => run,
    async insert(r) {
      run = { ...r, state: 'SUBMITTING', externalId: null, reason: null, updatedAt: r.createdAt };
    },
    async markSubmitted(_id, externalId, status, at) {
      move({ externalId, state: status, updatedAt: at });
    },
    async markRejected(_id, reason, at) {
      move({ state: 'REJECTED', reason, updatedAt: at });
    },
    async updateStatus(_id, status, reason, at) {
      move({ state: status, reason, updatedAt: at });
    },
    async get(id) {
      return run && run.runId === id ? run : null;
    },
    async listActive() {
      return [];
    },
  };
}

/** A run the ledger knows, as the launcher sees it: live (the API only asks about live runs). */
const liveRun = (handle: RunHandle): TrainingRun => ({
  runId: handle.runId,
  datasetId: '',
  backend: handle.backend,
  plan: {} as LaunchPlan,
  state: 'PENDING',
  externalId: handle.externalId,
  reason: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

/**
 * `RunLauncher` over the launcher package: profiles resolved against the paper's defaults, the
 * DeepSpeed ZeRO-3 plan recorded as the run's config, submission through the configured backends.
 * A backend's UNKNOWN (a bundle handed off, a job the scheduler forgot) keeps the recorded status.
 */
export function createPackageRunLauncher(deps: { store: ObjectStore; backends: Partial<Record<BackendKind, LaunchBackend>> }): RunLauncher {
  const launcherFor = (runStore: RunStore, runId: string) =>
    createLauncher({ store: deps.store, runStore, backends: deps.backends, newRunId: () => runId });
  const toStatus = (state: RunState, fallback: TrainingRunStatus) => (state === 'UNKNOWN' ? fallback : TO_LEDGER[state]);
  return {
    async launch(request): Promise<LaunchOutcome> {
      const store = callStore();
      try {
        const run = await launcherFor(store, request.runId).launch({
          datasetId: request.dataset.id,
          backend: request.backend,
          profile: request.profile,
        });
        const status = toStatus(run.state, 'pending');
        return {
          status: status === 'rejected' || status === 'failed' || status === 'running' ? status : 'pending',
          externalId: run.externalId,
          error: run.reason,
          config: run.plan as unknown as Record<string, unknown>,
        };
      } catch (error) {
        const plan = store.current()?.plan as unknown as Record<string, unknown> | undefined;
        if (error instanceof SubmissionRejectedError)
          return { status: 'rejected', externalId: null, error: error.reason, ...(plan ? { config: plan } : {}) };
        if (error instanceof InputError) return { status: 'rejected', externalId: null, error: error.message };
        throw error;
      }
    },
    async status(handle) {
      if (handle.externalId === null) return { status: handle.status };
      const store = callStore(liveRun(handle));
      const run = await launcherFor(store, handle.runId).refresh(handle.runId);
      const ended = run.state === 'FAILED' || run.state === 'CANCELLED' || run.state === 'REJECTED';
      return {
        status: toStatus(run.state, handle.status),
        error: ended ? run.reason : null,
        ...(run.reason ? { detail: { backend: run.reason } } : {}),
      };
    },
    async cancel(handle) {
      await launcherFor(callStore(liveRun(handle)), handle.runId).cancel(handle.runId);
    },
  };
}
