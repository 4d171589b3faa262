import { InputError } from '@rft/contracts';
import {
  getModel,
  getPipeline,
  lockWaitingStep,
  ModelConflictError,
  pipelineIdsWithUnfinishedSteps,
  pipelineSteps,
  registerModel,
  transitionPipelineStep,
  type DbOrTx,
  type PipelineStepRow,
} from '@rft/db';
import { CampaignStepOutput, EvalStepOutput, planAdvance, type PipelineStepStatus, validatePipelineSpec } from '@rft/pipeline';
import { campaignsEnd } from './campaign-end.ts';
import { startCampaignStep } from './campaign-step.ts';
import { type PipelineEngineDeps, type PipelineView, StepInputError } from './engine-deps.ts';
import { startEvalStep } from './eval-step.ts';
import { finishTrainStep, type StepEnd, startTrainStep } from './train-step.ts';

const ACTOR = 'scheduler';

export interface PipelineTickReport {
  started: Array<{ pipelineId: string; step: string }>;
  finished: Array<{ pipelineId: string; step: string; status: PipelineStepStatus }>;
  /** select-step / serve-model jobs that vanished from Redis and were enqueued again. */
  recovered: number;
}

/**
 * Advances every pipeline with unfinished steps: ends running steps whose work ended, starts the
 * steps whose inputs are all done. Every start and end is a guarded transition in Postgres, so a
 * tick replayed after a crash, a restart or a Redis wipe does nothing twice; jobs lost with Redis
 * are enqueued again from the ledger.
 */
export async function advancePipelines(deps: PipelineEngineDeps, opts: { lostJobGraceMs: number }): Promise<PipelineTickReport> {
  const report: PipelineTickReport = { started: [], finished: [], recovered: 0 };
  for (const id of await pipelineIdsWithUnfinishedSteps(deps.db)) {
    try {
      await advancePipeline(deps, id, opts, report);
    } catch (error) {
      // One broken pipeline never stops the others; the next tick tries again.
      deps.log.error({ err: error, pipelineId: id }, 'advancing the pipeline failed; retrying next tick');
    }
  }
  return report;
}

async function loadView(db: DbOrTx, id: string): Promise<PipelineView | null> {
  const pipeline = await getPipeline(db, id);
  if (!pipeline) return null;
  const { spec } = validatePipelineSpec(pipeline.spec, `pipeline ${id}`);
  const steps = new Map((await pipelineSteps(db, id)).map((s) => [s.name, s]));
  return { pipeline, spec, steps };
}

async function advancePipeline(
  deps: PipelineEngineDeps,
  id: string,
  opts: { lostJobGraceMs: number },
  report: PipelineTickReport,
): Promise<void> {
  let view = await loadView(deps.db, id);
  if (!view) return;
  await registerBaseModels(deps.db, view);
  for (const row of view.steps.values()) {
    if (row.status !== 'running') continue;
    const end = await stepEnd(deps, view, row, opts, report);
    if (end && (await endStep(deps.db, id, row.name, end))) report.finished.push({ pipelineId: id, step: row.name, status: end.to });
  }
  view = await loadView(deps.db, id);
  if (!view) return;
  const statuses = Object.fromEntries([...view.steps].map(([name, row]) => [name, row.status]));
  const plan = planAdvance(view.spec, statuses);
  for (const step of plan.ready) {
    if (await startStep(deps, view, step)) report.started.push({ pipelineId: id, step });
  }
}

/** The spec's `models:` entries as base-model records, so lineage always ends at one. */
async function registerBaseModels(db: DbOrTx, view: PipelineView): Promise<void> {
  for (const [name, model] of Object.entries(view.spec.models)) {
    if (await getModel(db, name)) continue;
    try {
      await registerModel(db, {
        name,
        profile: model.profile ?? 'qwq-32b',
        endpoints: model.endpoints ?? [],
        lineage: { kind: 'base' },
        createdBy: ACTOR,
        at: new Date(),
      });
    } catch (error) {
      if (!(error instanceof ModelConflictError)) throw error;
    }
  }
}

async function endStep(db: DbOrTx, pipelineId: string, step: string, end: NonNullable<StepEnd>): Promise<boolean> {
  const moved = await transitionPipelineStep(db, {
    pipelineId,
    step,
    to: end.to,
    from: ['running'],
    reason: end.reason,
    detail: { actor: ACTOR },
    at: new Date(),
  });
  return moved.applied;
}

/** Whether a running step's work ended, and how (null: still running). */
async function stepEnd(
  deps: PipelineEngineDeps,
  view: PipelineView,
  row: PipelineStepRow,
  opts: { lostJobGraceMs: number },
  report: PipelineTickReport,
): Promise<StepEnd> {
  const step = view.spec.steps[row.name]!;
  switch (step.kind) {
    case 'campaign': {
      const { campaignId } = CampaignStepOutput.parse(row.output);
      return campaignId === null ? { to: 'succeeded', reason: null } : campaignsEnd(deps.db, [campaignId]);
    }
    case 'eval':
      return campaignsEnd(
        deps.db,
        EvalStepOutput.parse(row.output).campaigns.map((c) => c.campaignId),
      );
    case 'train':
      return finishTrainStep(deps.db, view, row.name, step);
    case 'select':
    case 'serve': {
      // The curator and the launcher end these steps themselves; the ledger only has to make sure
      // their job still exists (Redis may have been wiped) once the step has been quiet a while.
      const job = step.kind === 'select' ? ('select-step' as const) : ('serve-model' as const);
      const payload = { pipelineId: view.pipeline.id, step: row.name };
      if (Date.now() - row.updatedAt.getTime() >= opts.lostJobGraceMs && !(await deps.queues.exists(job, payload))) {
        await deps.queues.add(job, payload);
        report.recovered += 1;
        deps.log.warn(payload, `${job} job vanished from the queue; re-enqueued`);
      }
      return null;
    }
  }
}

/**
 * Starts one ready step: the campaign, run or job it needs and its move to `running`, in one
 * transaction under the step's row lock. Input problems (a missing file, an unregistered
 * benchmark) fail the step with the reason; anything else is retried next tick.
 */
async function startStep(deps: PipelineEngineDeps, view: PipelineView, name: string): Promise<boolean> {
  const step = view.spec.steps[name]!;
  const pipelineId = view.pipeline.id;
  const at = () => new Date();
  try {
    const started = await deps.db.transaction().execute(async (tx) => {
      if (!(await lockWaitingStep(tx, pipelineId, name))) return false;
      let output: Record<string, unknown>;
      switch (step.kind) {
        case 'campaign':
          output = await startCampaignStep(tx, deps.store, view, name, step, ACTOR);
          break;
        case 'eval':
          output = await startEvalStep(tx, deps.store, view, name, step, ACTOR);
          break;
        case 'train':
          output = await startTrainStep(tx, deps.store, view, step, ACTOR);
          break;
        case 'select':
        case 'serve':
          output = view.steps.get(name)?.output ?? {};
          break;
      }
      await transitionPipelineStep(tx, {
        pipelineId,
        step: name,
        to: 'running',
        from: ['waiting'],
        output,
        reason: null,
        detail: { actor: ACTOR },
        at: at(),
      });
      return true;
    });
    if (!started) return false;
  } catch (error) {
    if (!(error instanceof StepInputError || error instanceof InputError)) throw error;
    await deps.db.transaction().execute(async (tx) => {
      if (!(await lockWaitingStep(tx, pipelineId, name))) return;
      await transitionPipelineStep(tx, { pipelineId, step: name, to: 'running', from: ['waiting'], at: at() });
      await transitionPipelineStep(tx, {
        pipelineId,
        step: name,
        to: 'failed',
        reason: error.message.slice(0, 4000),
        detail: { actor: ACTOR },
        at: at(),
      });
    });
    deps.log.warn({ pipelineId, step: name, reason: error.message }, 'pipeline step cannot start; failed');
    return false;
  }
  // Jobs go out after the commit: a job never names a step that is not yet running. A crash
  // between the two is repaired by the lost-job check above.
  const payload = { pipelineId, step: name };
  if (step.kind === 'select') await deps.queues.add('select-step', payload);
  if (step.kind === 'serve') await deps.queues.add('serve-model', payload);
  if (step.kind === 'train') {
    const output = (await pipelineSteps(deps.db, pipelineId)).find((s) => s.name === name)?.output;
    await deps.queues.add('launch-run', { runId: String(output?.['runId']) });
  }
  deps.log.info({ pipelineId, step: name, kind: step.kind }, 'pipeline step started');
  return true;
}
