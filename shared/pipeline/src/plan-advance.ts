import { stepDependencies } from './pipeline-graph.ts';
import { BLOCKING_PIPELINE_STEP_STATUSES, DONE_PIPELINE_STEP_STATUSES, type PipelineStepStatus } from './pipeline-step-lifecycle.ts';
import type { PipelineSpec } from './pipeline-spec.ts';

/** What a scheduler should do with a pipeline, given every step's status. */
export interface AdvancePlan {
  /** Waiting steps whose inputs are all done: start these. */
  ready: string[];
  /** Waiting steps held by an input that failed or finished partial (directly or further up). */
  held: Array<{ step: string; by: string; status: PipelineStepStatus }>;
  /** Every step is done (succeeded or accepted). */
  finished: boolean;
}

/**
 * Which steps can start. A step starts when each step it depends on is done; a failed or partial
 * step holds everything downstream of it until an operator retries or accepts it. Pure: the
 * scheduler applies the plan with guarded transitions, so replaying it after a restart is safe.
 */
export function planAdvance(spec: PipelineSpec, statuses: Readonly<Record<string, PipelineStepStatus>>): AdvancePlan {
  const statusOf = (step: string): PipelineStepStatus => {
    const status = statuses[step];
    if (status === undefined) throw new Error(`no status for step ${JSON.stringify(step)}`);
    return status;
  };
  const blocker = new Map<string, string | null>();
  // The first failed or partial step upstream of `step` (or `step` itself), or null.
  const findBlocker = (step: string): string | null => {
    const known = blocker.get(step);
    if (known !== undefined) return known;
    let found: string | null = BLOCKING_PIPELINE_STEP_STATUSES.includes(statusOf(step)) ? step : null;
    for (const dep of stepDependencies(spec, step)) found ??= findBlocker(dep);
    blocker.set(step, found);
    return found;
  };
  const ready: string[] = [];
  const held: AdvancePlan['held'] = [];
  for (const step of Object.keys(spec.steps)) {
    if (statusOf(step) !== 'waiting') continue;
    const by = findBlocker(step);
    if (by !== null) held.push({ step, by, status: statusOf(by) });
    else if (stepDependencies(spec, step).every((dep) => DONE_PIPELINE_STEP_STATUSES.includes(statusOf(dep)))) ready.push(step);
  }
  const finished = Object.keys(spec.steps).every((step) => DONE_PIPELINE_STEP_STATUSES.includes(statusOf(step)));
  return { ready, held, finished };
}
