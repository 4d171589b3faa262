import type { LaunchPlan } from '../launch-plan.ts';
import type { BackendKind, RunStatus } from '../run-store.ts';

export interface Submission {
  /** Slurm job id, `namespace/name` of a PyTorchJob, or a bundle prefix. */
  externalId: string;
  status: RunStatus;
}

export interface StatusReport {
  status: RunStatus;
  /** The backend's own words (Slurm state and exit code, the PyTorchJob condition message). */
  detail: string | null;
}

/** One way of starting a run. `submit` throws SubmissionRejectedError when the cluster refuses. */
export interface LaunchBackend {
  readonly kind: BackendKind;
  submit(plan: LaunchPlan): Promise<Submission>;
  status(externalId: string): Promise<StatusReport>;
  cancel(externalId: string): Promise<void>;
}

/** The scheduler or API server refused the job; `reason` is what it said. Nothing was started. */
export class SubmissionRejectedError extends Error {
  override readonly name = 'SubmissionRejectedError';
  readonly backend: BackendKind;
  readonly reason: string;
  constructor(backend: BackendKind, reason: string) {
    super(`${backend} rejected the submission: ${reason}`);
    this.backend = backend;
    this.reason = reason;
  }
}
