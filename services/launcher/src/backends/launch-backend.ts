import type { TrainingBackend } from '@rft/contracts';
import type { TrainingRunStatus } from '@rft/db';
import type { LaunchPlan } from '../launch-plan.ts';

/** What a cluster can say about a run (the ledger's own states, `submitting` and `rejected`, are not its to say). */
export type BackendRunStatus = Exclude<TrainingRunStatus, 'submitting' | 'rejected'>;

export interface Submission {
  /** Slurm job id, `namespace/name` of a PyTorchJob, or a bundle prefix. */
  externalId: string;
  status: BackendRunStatus;
}

export interface StatusReport {
  status: BackendRunStatus;
  /** The backend's own words (Slurm state and exit code, the PyTorchJob condition message). */
  detail: string | null;
}

/** One way of starting a run. `submit` throws SubmissionRejectedError when the cluster refuses. */
export interface LaunchBackend {
  readonly kind: TrainingBackend;
  submit(plan: LaunchPlan): Promise<Submission>;
  status(externalId: string): Promise<StatusReport>;
  cancel(externalId: string): Promise<void>;
}

/** The scheduler or API server refused the job; `reason` is what it said. Nothing was started. */
export class SubmissionRejectedError extends Error {
  override readonly name = 'SubmissionRejectedError';
  readonly backend: TrainingBackend;
  readonly reason: string;
  constructor(backend: TrainingBackend, reason: string) {
    super(`${backend} rejected the submission: ${reason}`);
    this.backend = backend;
    this.reason = reason;
  }
}
