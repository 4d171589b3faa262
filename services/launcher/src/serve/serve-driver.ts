import type { ServeBackend } from '@rft/pipeline';

/** What a serve step serves: resolved from the pipeline's spec and the train step it names. */
export interface ServeTarget {
  pipelineId: string;
  step: string;
  /** The served model name (the train step's `produces`, registered when its run succeeded). */
  model: string;
  trainingRunId: string;
  datasetId: string;
  backend: ServeBackend;
}

/** A server as started: the backend's handle, null when nothing was started (`external`). */
export interface ServeStart {
  externalId: string | null;
}

/**
 * What the backend says about a started server. `starting`: queued or booting, wait; `up`: its
 * process or job runs at `endpoints` (readiness is then the `/v1/models` probe's to say);
 * `failed`: it will not come up (the job ended, the process died), `detail` says why.
 */
export interface ServeState {
  phase: 'starting' | 'up' | 'failed';
  endpoints: string[];
  detail: string;
}

/** One way of running an inference server for a serve step. */
export interface ServeDriver {
  /** Starts the server. Called under the step's row lock, only while no handle is recorded. */
  start(target: ServeTarget): Promise<ServeStart>;
  state(target: ServeTarget, externalId: string | null): Promise<ServeState>;
  /** Stops a server that never became ready (frees its GPUs). */
  stop?(target: ServeTarget, externalId: string): Promise<void>;
}

/** The backend refused to start a server (sbatch or the API server said no); nothing runs. */
export class ServeStartRejectedError extends Error {
  override readonly name = 'ServeStartRejectedError';
}
