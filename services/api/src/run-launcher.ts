import type { DatasetRecord, TrainingBackend, TrainingRunStatus } from '@rft/db';

/** What the API asks of the launcher service; the API records every answer in `training_runs`. */
export interface RunLauncher {
  /** Submits a training run for a dataset. A refusal (bad profile, no quota) is `rejected` with an error, not a throw. */
  launch(request: LaunchRequest): Promise<LaunchOutcome>;
  /** The backend's current view of a run. */
  status(run: RunHandle): Promise<{ status: TrainingRunStatus; error?: string | null; detail?: Record<string, unknown> }>;
  /** Asks the backend to stop a run; resolves once the request is accepted. */
  cancel(run: RunHandle): Promise<void>;
}

export interface LaunchRequest {
  runId: string;
  dataset: DatasetRecord;
  backend: TrainingBackend;
  profile: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface LaunchOutcome {
  status: Extract<TrainingRunStatus, 'pending' | 'running' | 'rejected' | 'failed'>;
  externalId: string | null;
  error?: string | null;
  /** The resolved training configuration (e.g. the DeepSpeed config) to record with the run. */
  config?: Record<string, unknown>;
}

export interface RunHandle {
  runId: string;
  backend: TrainingBackend;
  externalId: string | null;
  /** The status recorded in the ledger (kept when the backend cannot tell). */
  status: TrainingRunStatus;
}
