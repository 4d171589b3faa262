import {
  getModel,
  getPipeline,
  lockRunningStepOutput,
  pipelineSteps,
  setModelEndpoints,
  setRunningStepOutput,
  transitionPipelineStep,
  type Db,
} from '@rft/db';
import { ServeStepOutput, TrainStepOutput, validatePipelineSpec, type ServeBackend } from '@rft/pipeline';
import type { Logger } from '@rft/telemetry';
import { probeModels, type ProbeResult } from './probe-endpoint.ts';
import { ServeStartRejectedError, type ServeDriver, type ServeTarget } from './serve-driver.ts';

const ACTOR = 'launcher';

export interface ServeJobDeps {
  db: Db;
  /** The backends this launcher can run; a step naming another fails with the reason. */
  drivers: Partial<Record<ServeBackend['type'], ServeDriver>>;
  log: Logger;
}

export interface ServeJobSettings {
  /** A server not listing its model this long after its start fails the step. @defaultValue 30 minutes */
  readinessTimeoutMs?: number;
  /** Re-check delays grow with the time waited, between these bounds. @defaultValue 1 s and 30 s */
  minRecheckMs?: number;
  maxRecheckMs?: number;
  probe?: (endpoint: string, model: string) => Promise<ProbeResult>;
}

/** Where one pass of the job left the step: ended (either way), gone (not ours to move), or check again later. */
export type ServeOutcome =
  | { status: 'succeeded'; endpoints: string[] }
  | { status: 'failed'; reason: string }
  | { status: 'gone' }
  | { status: 'waiting'; recheckInMs: number; detail: string };

/** The step cannot be served as specified; it fails with this reason. */
class ServeInputError extends Error {}

async function resolveTarget(db: Db, pipelineId: string, step: string): Promise<ServeTarget | null> {
  const pipeline = await getPipeline(db, pipelineId);
  if (!pipeline) return null;
  const { spec } = validatePipelineSpec(pipeline.spec, `pipeline ${pipelineId}`);
  const serve = spec.steps[step];
  if (serve?.kind !== 'serve') throw new ServeInputError(`step ${step} is not a serve step`);
  const train = spec.steps[serve.checkpoint];
  if (train?.kind !== 'train') throw new ServeInputError(`checkpoint ${serve.checkpoint} is not a train step`);
  const trainRow = (await pipelineSteps(db, pipelineId)).find((s) => s.name === serve.checkpoint);
  const trained = TrainStepOutput.safeParse(trainRow?.output);
  if (trainRow?.status !== 'succeeded' || !trained.success) {
    throw new ServeInputError(`train step ${serve.checkpoint} has not succeeded (status ${trainRow?.status ?? 'missing'})`);
  }
  const model = await getModel(db, train.produces);
  if (model?.lineage.kind !== 'trained') throw new ServeInputError(`model ${train.produces} is not registered as a trained model`);
  return {
    pipelineId,
    step,
    model: model.name,
    trainingRunId: model.lineage.trainingRunId,
    datasetId: model.lineage.datasetId,
    backend: serve.backend,
  };
}

/** The step's recorded start (handle and time), starting the server first when none is recorded. */
async function ensureStarted(
  deps: ServeJobDeps,
  target: ServeTarget,
  driver: ServeDriver,
): Promise<{ externalId: string | null; startedAt: Date } | null> {
  return deps.db.transaction().execute(async (tx) => {
    const locked = await lockRunningStepOutput(tx, target.pipelineId, target.step);
    if (!locked) return null;
    const recorded = ServeStepOutput.safeParse(locked.output ?? {});
    if (recorded.success && recorded.data.startedAt && recorded.data.model === target.model) {
      return { externalId: recorded.data.externalId, startedAt: new Date(recorded.data.startedAt) };
    }
    // Under the row lock, committed with the handle: a retried or concurrent job finds it and adopts it.
    const startedAt = new Date();
    const { externalId } = await driver.start(target);
    const output: ServeStepOutput = { model: target.model, endpoints: [], externalId, startedAt: startedAt.toISOString() };
    await setRunningStepOutput(tx, target.pipelineId, target.step, output);
    deps.log.info({ ...target, externalId }, 'serve backend started');
    return { externalId, startedAt };
  });
}

async function failStep(
  deps: ServeJobDeps,
  target: { pipelineId: string; step: string; model?: string },
  reason: string,
): Promise<ServeOutcome> {
  const moved = await transitionPipelineStep(deps.db, {
    pipelineId: target.pipelineId,
    step: target.step,
    to: 'failed',
    from: ['running'],
    // The handle is dropped: a retried step starts a fresh server (the reason keeps the old one's id).
    output: { model: target.model ?? '', endpoints: [], externalId: null },
    reason: reason.slice(0, 4000),
    detail: { actor: ACTOR },
    at: new Date(),
  });
  if (!moved.applied) return { status: 'gone' };
  deps.log.warn({ ...target, reason }, 'serve step failed');
  return { status: 'failed', reason };
}

function handleName(backend: ServeBackend['type'], externalId: string | null): string {
  if (externalId === null) return `serve backend ${backend}`;
  const what = backend === 'local' ? 'pid' : backend === 'slurm' ? 'job' : 'deployment';
  return `serve backend ${backend} (${what} ${externalId})`;
}

/**
 * One pass of the `serve-model` job: starts the step's server once, then checks whether every
 * endpoint's `/v1/models` lists the model. Ready: the model's endpoints are set and the step
 * succeeds. The backend failed, or the readiness timeout passed: the step fails with the backend,
 * its handle and the last probe error. Otherwise the caller checks again after `recheckInMs`.
 */
export async function serveModelStep(
  deps: ServeJobDeps,
  payload: { pipelineId: string; step: string },
  settings: ServeJobSettings = {},
): Promise<ServeOutcome> {
  const rows = await pipelineSteps(deps.db, payload.pipelineId);
  if (rows.find((s) => s.name === payload.step)?.status !== 'running') return { status: 'gone' };
  let target: ServeTarget | null;
  try {
    target = await resolveTarget(deps.db, payload.pipelineId, payload.step);
  } catch (error) {
    if (error instanceof ServeInputError) return failStep(deps, payload, error.message);
    throw error;
  }
  if (!target) return { status: 'gone' };
  const backend = target.backend.type;
  const driver = deps.drivers[backend];
  if (!driver) return failStep(deps, target, `serve backend ${backend} is not configured on this launcher`);

  let started: Awaited<ReturnType<typeof ensureStarted>>;
  try {
    started = await ensureStarted(deps, target, driver);
  } catch (error) {
    if (error instanceof ServeStartRejectedError)
      return failStep(deps, target, `serve backend ${backend} refused the start: ${error.message}`);
    throw error;
  }
  if (!started) return { status: 'gone' };
  const handle = handleName(backend, started.externalId);

  const state = await driver.state(target, started.externalId);
  if (state.phase === 'failed') return failStep(deps, target, `${handle} failed: ${state.detail}`);
  let lastError = state.detail;
  if (state.phase === 'up' && state.endpoints.length > 0) {
    const probe = settings.probe ?? probeModels;
    const results = await Promise.all(state.endpoints.map((endpoint) => probe(endpoint, target.model)));
    const notReady = results.find((r) => !r.ok);
    if (!notReady) return succeed(deps, target, started.externalId, started.startedAt, state.endpoints);
    lastError = notReady.error;
  }

  const waited = Date.now() - started.startedAt.getTime();
  const timeoutMs = settings.readinessTimeoutMs ?? 30 * 60_000;
  if (waited >= timeoutMs) {
    if (started.externalId !== null) {
      await driver
        .stop?.(target, started.externalId)
        .catch((error: unknown) => deps.log.warn({ err: error, ...target }, 'could not stop the server'));
    }
    return failStep(deps, target, `${handle}: ${target.model} not ready after ${Math.round(waited / 1000)} s; last probe: ${lastError}`);
  }
  const recheckInMs = Math.min(settings.maxRecheckMs ?? 30_000, Math.max(settings.minRecheckMs ?? 1000, Math.floor(waited / 5)));
  return { status: 'waiting', recheckInMs, detail: lastError };
}

async function succeed(
  deps: ServeJobDeps,
  target: ServeTarget,
  externalId: string | null,
  startedAt: Date,
  endpoints: string[],
): Promise<ServeOutcome> {
  const output: ServeStepOutput = { model: target.model, endpoints, externalId, startedAt: startedAt.toISOString() };
  const moved = await deps.db.transaction().execute(async (tx) => {
    const outcome = await transitionPipelineStep(tx, {
      pipelineId: target.pipelineId,
      step: target.step,
      to: 'succeeded',
      from: ['running'],
      output,
      reason: null,
      detail: { actor: ACTOR, endpoints },
      at: new Date(),
    });
    if (outcome.applied) await setModelEndpoints(tx, target.model, endpoints, new Date());
    return outcome.applied;
  });
  if (!moved) return { status: 'gone' };
  deps.log.info({ ...target, endpoints }, 'model served');
  return { status: 'succeeded', endpoints };
}
