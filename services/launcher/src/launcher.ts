import { InputError, type TrainingBackend } from '@rft/contracts';
import { readManifest, verifyTokenizerFile } from '@rft/dataset';
import type { ObjectStore } from '@rft/storage';
import type { LaunchBackend, StatusReport, Submission } from './backends/launch-backend.ts';
import { planLaunch, type LaunchPlan } from './launch-plan.ts';
import { parseProfile } from './training-profile.ts';

export type LaunchBackends = Partial<Record<TrainingBackend, LaunchBackend>>;

export interface LauncherDeps {
  /** Where dataset versions live. */
  store: ObjectStore;
  backends: LaunchBackends;
}

export interface LaunchRequest {
  /** The run's id (`training_runs.id`, a UUID); names the cluster job. */
  runId: string;
  datasetId: string;
  backend: TrainingBackend;
  /** Profile overrides; missing fields take the paper's defaults. */
  profile?: unknown;
  /** A local tokenizer.json to check against the dataset's tokenizer sha256 before submitting. */
  tokenizerPath?: string;
}

/**
 * The launcher as a stateless library: it plans, submits, asks and cancels, and records nothing.
 * Run status is written by the launcher service alone (`run-jobs.ts`).
 */
export interface Launcher {
  /** Validates backend, profile and dataset (InputError naming the field) and resolves the exact plan. */
  plan(request: LaunchRequest): Promise<LaunchPlan>;
  /** Hands the plan to its backend; a refusal is a SubmissionRejectedError with the cluster's reason. */
  submit(backend: TrainingBackend, plan: LaunchPlan): Promise<Submission>;
  status(backend: TrainingBackend, externalId: string): Promise<StatusReport>;
  cancel(backend: TrainingBackend, externalId: string): Promise<void>;
}

export function createLauncher(deps: LauncherDeps): Launcher {
  const backendFor = (kind: TrainingBackend): LaunchBackend => {
    const backend = deps.backends[kind];
    if (!backend)
      throw new InputError(`backend: "${kind}" is not configured (configured: ${Object.keys(deps.backends).join(', ') || 'none'})`);
    return backend;
  };
  return {
    async plan(request) {
      backendFor(request.backend);
      const profile = parseProfile(request.profile ?? {});
      const manifest = await readManifest(deps.store, request.datasetId);
      // Throws with both hashes when the file differs from the one the dataset was tokenized with.
      if (request.tokenizerPath) await verifyTokenizerFile(request.tokenizerPath, manifest.model.tokenizer.sha256);
      return planLaunch({ runId: request.runId, profile, manifest });
    },
    submit: (backend, plan) => backendFor(backend).submit(plan),
    status: (backend, externalId) => backendFor(backend).status(externalId),
    cancel: (backend, externalId) => backendFor(backend).cancel(externalId),
  };
}
