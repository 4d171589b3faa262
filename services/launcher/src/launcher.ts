import { randomUUID } from 'node:crypto';
import { InputError } from '@rft/contracts';
import { loadTokenizer, readManifest } from '@rft/curator';
import type { ObjectStore } from '@rft/storage';
import { SubmissionRejectedError, type LaunchBackend } from './backends/launch-backend.ts';
import { planLaunch } from './launch-plan.ts';
import { isTerminal, type BackendKind, type RunStore, type TrainingRun } from './run-store.ts';
import { parseProfile } from './training-profile.ts';

export interface LauncherDeps {
  /** Where dataset versions live. */
  store: ObjectStore;
  runStore: RunStore;
  backends: Partial<Record<BackendKind, LaunchBackend>>;
  newRunId?: () => string;
  now?: () => Date;
}

export interface LaunchRequest {
  datasetId: string;
  backend: BackendKind;
  /** Profile overrides; missing fields take the paper's defaults. */
  profile?: unknown;
  /** A local tokenizer.json to check against the dataset's tokenizer sha256 before submitting. */
  tokenizerPath?: string;
}

export interface Launcher {
  /**
   * Validates profile and dataset, records the run (SUBMITTING), submits it. A refused submission is
   * recorded as REJECTED with the cluster's reason and rethrown as SubmissionRejectedError.
   */
  launch(request: LaunchRequest): Promise<TrainingRun>;
  /** Asks the backend for the run's status and records a change. */
  refresh(runId: string): Promise<TrainingRun>;
  cancel(runId: string): Promise<TrainingRun>;
}

export function createLauncher(deps: LauncherDeps): Launcher {
  const now = deps.now ?? (() => new Date());
  // UUIDs: the key of `training_runs`; `rft-<uuid>` (40 characters) is still a valid Kubernetes name.
  const newRunId = deps.newRunId ?? (() => randomUUID());

  const backendFor = (kind: BackendKind): LaunchBackend => {
    const backend = deps.backends[kind];
    if (!backend)
      throw new InputError(`backend: "${kind}" is not configured (configured: ${Object.keys(deps.backends).join(', ') || 'none'})`);
    return backend;
  };
  const mustGet = async (runId: string): Promise<TrainingRun> => {
    const run = await deps.runStore.get(runId);
    if (!run) throw new InputError(`runId: no training run ${runId}`);
    return run;
  };

  return {
    async launch(request) {
      const backend = backendFor(request.backend);
      const profile = parseProfile(request.profile ?? {});
      const manifest = await readManifest(deps.store, request.datasetId);
      if (request.tokenizerPath) {
        // Throws with both hashes when the file differs from the one the dataset was tokenized with.
        await loadTokenizer({ tokenizerJsonPath: request.tokenizerPath, expectedSha256: manifest.model.tokenizer.sha256 });
      }
      const runId = newRunId();
      const plan = planLaunch({ runId, profile, manifest });
      await deps.runStore.insert({ runId, datasetId: manifest.datasetId, backend: backend.kind, plan, createdAt: now() });
      try {
        const submission = await backend.submit(plan);
        await deps.runStore.markSubmitted(runId, submission.externalId, submission.status, now());
      } catch (error) {
        const reason =
          error instanceof SubmissionRejectedError
            ? error.reason
            : `submission failed: ${error instanceof Error ? error.message : String(error)}`;
        await deps.runStore.markRejected(runId, reason, now());
        throw error;
      }
      return mustGet(runId);
    },
    async refresh(runId) {
      const run = await mustGet(runId);
      if (isTerminal(run.state) || run.externalId === null) return run;
      const report = await backendFor(run.backend).status(run.externalId);
      if (report.status !== run.state) await deps.runStore.updateStatus(runId, report.status, report.detail, now());
      return mustGet(runId);
    },
    async cancel(runId) {
      const run = await mustGet(runId);
      if (isTerminal(run.state)) return run;
      if (run.externalId === null) throw new InputError(`runId: run ${runId} was never submitted (state ${run.state})`);
      await backendFor(run.backend).cancel(run.externalId);
      await deps.runStore.updateStatus(runId, 'CANCELLED', 'cancelled through the launcher', now());
      return mustGet(runId);
    },
  };
}
