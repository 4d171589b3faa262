import { InputError } from '@rft/contracts';
import { DatasetNotFoundError, TamperedShardError } from '@rft/dataset';
import {
  getTrainingRun,
  isFinishedTrainingRun,
  listActiveTrainingRuns,
  listSubmittingTrainingRuns,
  setCancelledRunReason,
  transitionTrainingRun,
  type Db,
  type TrainingRunRow,
  type TrainingRunTransition,
} from '@rft/db';
import { UnrecoverableError, type JobQueues } from '@rft/queue';
import type { Logger } from '@rft/telemetry';
import { SubmissionRejectedError } from './backends/launch-backend.ts';
import type { LaunchPlan } from './launch-plan.ts';
import type { Launcher } from './launcher.ts';

/** What the launcher service's handlers need. These handlers are the only writers of run status. */
export interface RunJobDeps {
  db: Db;
  launcher: Launcher;
  log: Logger;
  now?: () => Date;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Errors no retry can fix: bad profile, unknown backend, a missing or altered dataset. */
const isRefusal = (error: unknown) =>
  error instanceof InputError || error instanceof DatasetNotFoundError || error instanceof TamperedShardError;

async function record(deps: RunJobDeps, t: Omit<TrainingRunTransition, 'at'>): Promise<TrainingRunRow | null> {
  const outcome = await transitionTrainingRun(deps.db, { ...t, at: deps.now?.() ?? new Date() });
  return outcome.run;
}

async function mustGet(deps: RunJobDeps, runId: string): Promise<TrainingRunRow> {
  const run = await getTrainingRun(deps.db, runId);
  if (!run) throw new UnrecoverableError(`training run ${runId} does not exist`);
  return run;
}

/**
 * `launch-run`: plans a run recorded as `submitting` and hands it to its backend. A refusal (bad
 * profile, unconfigured backend, missing dataset, the cluster's no) is recorded as `rejected` with
 * the reason; a transient fault is retried and recorded as `failed` on the last attempt.
 */
export async function launchRun(deps: RunJobDeps, runId: string, opts: { isLastAttempt: boolean }): Promise<TrainingRunRow | null> {
  const run = await mustGet(deps, runId);
  if (run.status !== 'submitting') return run;
  const log = deps.log.child({ runId, backend: run.backend });
  let plan: LaunchPlan;
  try {
    plan = await deps.launcher.plan({ runId, datasetId: run.datasetId, backend: run.backend, profile: run.profile });
  } catch (error) {
    if (!isRefusal(error) && !opts.isLastAttempt) throw error;
    log.warn({ err: error }, 'training run refused before submission');
    return record(deps, { id: runId, to: isRefusal(error) ? 'rejected' : 'failed', from: ['submitting'], error: message(error) });
  }
  const config = plan as unknown as Record<string, unknown>;
  let submission: Awaited<ReturnType<Launcher['submit']>>;
  try {
    submission = await deps.launcher.submit(run.backend, plan);
  } catch (error) {
    if (error instanceof SubmissionRejectedError) {
      log.warn({ reason: error.reason }, 'training run rejected by the cluster');
      return record(deps, { id: runId, to: 'rejected', from: ['submitting'], error: error.reason, config });
    }
    if (!opts.isLastAttempt) throw error;
    return record(deps, { id: runId, to: 'failed', from: ['submitting'], error: `submission failed: ${message(error)}`, config });
  }
  const outcome = await transitionTrainingRun(deps.db, {
    id: runId,
    to: submission.status,
    from: ['submitting'],
    externalId: submission.externalId,
    config,
    detail: { externalId: submission.externalId },
    at: deps.now?.() ?? new Date(),
  });
  if (!outcome.applied && outcome.run?.status === 'cancelled') {
    // Cancelled while it was being submitted: the job now exists on the cluster and must not run.
    log.info({ externalId: submission.externalId }, 'training run cancelled during submission; stopping the submitted job');
    await deps.launcher.cancel(run.backend, submission.externalId);
  } else {
    log.info({ externalId: submission.externalId, status: submission.status }, 'training run submitted');
  }
  return outcome.run;
}

/**
 * `cancel-run`: stops the run on its backend, then records it `cancelled`. A run still being
 * submitted is recorded cancelled at once (its launch job stops what it submits). A backend that
 * cannot cancel (a bundle handed off) fails the job with its reason; the run keeps its status.
 */
export async function cancelRun(deps: RunJobDeps, runId: string): Promise<TrainingRunRow | null> {
  const run = await mustGet(deps, runId);
  if (isFinishedTrainingRun(run.status)) return run;
  if (run.externalId !== null) {
    try {
      await deps.launcher.cancel(run.backend, run.externalId);
    } catch (error) {
      if (error instanceof InputError) throw new UnrecoverableError(`run ${runId}: ${error.message}`);
      throw error;
    }
  }
  deps.log.info({ runId, externalId: run.externalId }, 'training run cancelled');
  const recorded = await record(deps, { id: runId, to: 'cancelled', error: CANCELLED_ON_REQUEST, detail: { reason: 'cancel requested' } });
  // The poller may have seen the cluster's CANCELLED state first and recorded it in the cluster's
  // words; the run was still stopped because it was asked to be, which is what the reason says.
  if (recorded?.status === 'cancelled' && !recorded.error?.startsWith(CANCELLED_ON_REQUEST)) {
    const backendSaid = recorded.error ? ` (backend: ${recorded.error})` : '';
    return (await setCancelledRunReason(deps.db, runId, `${CANCELLED_ON_REQUEST}${backendSaid}`)) ?? recorded;
  }
  return recorded;
}

const CANCELLED_ON_REQUEST = 'cancelled on request';

/** Asks the backend about one submitted run and records a change. */
export async function refreshRun(deps: RunJobDeps, run: TrainingRunRow): Promise<TrainingRunRow | null> {
  if (run.externalId === null || isFinishedTrainingRun(run.status)) return run;
  const report = await deps.launcher.status(run.backend, run.externalId);
  if (report.status === run.status) return run;
  const ended = report.status === 'failed' || report.status === 'cancelled';
  const updated = await record(deps, {
    id: run.id,
    to: report.status,
    ...(ended ? { error: report.detail } : {}),
    detail: report.detail ? { backend: report.detail } : null,
  });
  deps.log.info({ runId: run.id, from: run.status, to: updated?.status, detail: report.detail }, 'training run status changed');
  return updated;
}

/**
 * One pass of the poller: every submitted, unfinished run is asked about (a cluster that cannot be
 * reached is asked again next pass, the error logged); a run left in `submitting` longer than
 * `resubmitAfterMs` has its launch job enqueued again (a lost job must not strand it).
 */
export async function pollRuns(deps: RunJobDeps & { queues: JobQueues }, opts: { resubmitAfterMs: number }): Promise<void> {
  for (const run of await listActiveTrainingRuns(deps.db)) {
    try {
      await refreshRun(deps, run);
    } catch (error) {
      deps.log.warn({ runId: run.id, backend: run.backend, err: error }, 'training run status poll failed');
    }
  }
  const olderThan = new Date((deps.now?.() ?? new Date()).getTime() - opts.resubmitAfterMs);
  for (const run of await listSubmittingTrainingRuns(deps.db, { olderThan })) await deps.queues.add('launch-run', { runId: run.id });
}
