import { InputError } from '@rft/contracts';
import {
  getModel,
  getPipeline,
  lockWaitingStep,
  ModelConflictError,
  pipelineIdsToAdvance,
  pipelineSteps,
  registerModel,
  touchRunningStep,
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
  /** Waiting steps an input that failed or ended partial holds, with that input's reason. */
  held: Array<{ pipelineId: string; step: string; by: string; status: PipelineStepStatus; reason: string | null }>;
  /** select-step / serve-model jobs that vanished from Redis and were enqueued again. */
  recovered: number;
  /** Where the next tick continues when this one stopped at its pipeline limit (null: from the start). */
  next: string | null;
}

export interface PipelineTickOptions {
  /** A running select or serve step quiet this long has its job checked against Redis. */
  lostJobGraceMs: number;
  /** Pipelines looked at per tick (the next tick takes the ones after). */
  maxPipelines?: number;
  /** Steps started per tick: each may read a question file and register a campaign. */
  maxStarts?: number;
  /** The previous tick's `next`. */
  after?: string | null;
}

const DEFAULT_MAX_PIPELINES = 50;
const DEFAULT_MAX_STARTS = 10;

/**
 * Advances pipelines with unfinished steps: ends running steps whose work ended, starts the steps
 * whose inputs are all done. Bounded per tick (pipelines and starts); the rest waits for the next.
 * Every start and end is a guarded transition in Postgres, so a tick replayed after a crash, a
 * restart or a Redis wipe does nothing twice; jobs lost with Redis are enqueued again from the ledger.
 */
export async function advancePipelines(deps: PipelineEngineDeps, opts: PipelineTickOptions): Promise<PipelineTickReport> {
  const report: PipelineTickReport = { started: [], finished: [], held: [], recovered: 0, next: null };
  const limit = opts.maxPipelines ?? DEFAULT_MAX_PIPELINES;
  const ids = await pipelineIdsToAdvance(deps.db, { after: opts.after ?? null, limit });
  if (ids.length === limit) report.next = ids.at(-1)!;
  const starts = { left: opts.maxStarts ?? DEFAULT_MAX_STARTS };
  for (const id of ids) {
    try {
      await advancePipeline(deps, id, opts, report, starts);
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
  opts: PipelineTickOptions,
  report: PipelineTickReport,
  starts: { left: number },
): Promise<void> {
  let view = await loadView(deps.db, id);
  if (!view) return;
  for (const row of view.steps.values()) {
    if (row.status !== 'running') continue;
    const end = await stepEnd(deps, view, row, opts, report);
    if (end && (await endStep(deps.db, id, row.name, end))) report.finished.push({ pipelineId: id, step: row.name, status: end.to });
  }
  view = await loadView(deps.db, id);
  if (!view) return;
  const statuses = Object.fromEntries([...view.steps].map(([name, row]) => [name, row.status]));
  const plan = planAdvance(view.spec, statuses);
  for (const h of plan.held) report.held.push({ pipelineId: id, ...h, reason: view.steps.get(h.by)?.reason ?? null });
  const ready = plan.ready.slice(0, Math.max(0, starts.left));
  if (ready.length === 0) return;
  // Lineage always ends at a base model: the spec's models are recorded before anything runs on them.
  await registerBaseModels(deps.db, view);
  for (const step of ready) {
    starts.left -= 1;
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
  opts: PipelineTickOptions,
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
        await touchRunningStep(deps.db, payload.pipelineId, payload.step);
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
  let output: Record<string, unknown> | null;
  try {
    output = await deps.db.transaction().execute(async (tx) => {
      if (!(await lockWaitingStep(tx, pipelineId, name))) return null;
      let started: Record<string, unknown>;
      switch (step.kind) {
        case 'campaign':
          started = await startCampaignStep(tx, deps.store, view, name, step, ACTOR);
          break;
        case 'eval':
          started = await startEvalStep(tx, deps.store, view, name, step, ACTOR);
          break;
        case 'train':
          started = await startTrainStep(tx, deps.store, view, step, ACTOR);
          break;
        case 'select':
        case 'serve':
          started = view.steps.get(name)?.output ?? {};
          break;
      }
      await transitionPipelineStep(tx, {
        pipelineId,
        step: name,
        to: 'running',
        from: ['waiting'],
        output: started,
        reason: null,
        detail: { actor: ACTOR },
        at: at(),
      });
      // Nothing admitted: there is nothing to sample, the step is done with its counts as output.
      if (step.kind === 'campaign' && started['campaignId'] === null)
        await transitionPipelineStep(tx, {
          pipelineId,
          step: name,
          to: 'succeeded',
          from: ['running'],
          detail: { actor: ACTOR, why: 'no question admitted; no campaign registered' },
          at: at(),
        });
      return started;
    });
    if (output === null) return false;
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
  // between the two is repaired by the lost-job check above (select, serve) and by the
  // launcher's poller of runs still submitting (train).
  const payload = { pipelineId, step: name };
  if (step.kind === 'select') await deps.queues.add('select-step', payload);
  if (step.kind === 'serve') await deps.queues.add('serve-model', payload);
  if (step.kind === 'train') await deps.queues.add('launch-run', { runId: String(output['runId']) });
  deps.log.info({ pipelineId, step: name, kind: step.kind, ...startSummary(output) }, 'pipeline step started');
  return true;
}

/** What a start log line says: the campaign or run, and for a campaign step what decontamination and admission removed. */
function startSummary(output: Record<string, unknown>): Record<string, unknown> {
  const campaign = CampaignStepOutput.safeParse(output);
  if (!campaign.success) return output;
  const { exclusions: _listed, ...counts } = campaign.data;
  return counts;
}
