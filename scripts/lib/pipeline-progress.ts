// Following a pipeline from the ledger: one line whenever a step changes state, until every step is
// done or one stops the chain.
import { pipelineSteps, type Db, type PipelineStepRow } from '@rft/db';

/** What a step shows in a progress line: `succeeded`, `running`, `failed (reason)`. */
function stepText(step: PipelineStepRow): string {
  return step.reason && step.status !== 'succeeded' ? `${step.status} (${step.reason})` : step.status;
}

export function stepsLine(steps: readonly PipelineStepRow[], order: readonly string[]): string {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const parts = order.map((name) => {
    const step = byName.get(name);
    return `${name} ${step ? stepText(step) : '?'}`;
  });
  return `[${new Date().toISOString().slice(11, 19)}] ${parts.join(' | ')}`;
}

const DONE = new Set(['succeeded', 'accepted']);
const STOPPED = new Set(['failed', 'partial']);

export interface FollowResult {
  steps: PipelineStepRow[];
  /** Every step succeeded or was accepted. */
  complete: boolean;
  /** The steps that stopped the chain (failed or partial), with their reasons. */
  stopped: PipelineStepRow[];
  /** The timeout passed with steps still waiting or running. */
  timedOut: boolean;
}

/**
 * Polls the pipeline's steps, printing a line on every change, until all are done, one stopped the
 * chain, or the timeout passes (`timedOut`). `check` runs every poll (e.g. to fail fast when a service died).
 */
export async function followPipeline(
  db: Db,
  pipelineId: string,
  opts: { order: readonly string[]; timeoutMs: number; pollMs?: number; check?: () => void; log?: (line: string) => void },
): Promise<FollowResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    opts.check?.();
    const steps = await pipelineSteps(db, pipelineId);
    const signature = steps.map((s) => `${s.name}:${s.status}:${s.reason ?? ''}`).join(',');
    if (signature !== last) log(stepsLine(steps, opts.order));
    last = signature;
    const stopped = steps.filter((s) => STOPPED.has(s.status));
    const complete = steps.length > 0 && steps.every((s) => DONE.has(s.status));
    if (complete || stopped.length > 0) return { steps, complete, stopped, timedOut: false };
    if (Date.now() > deadline) return { steps, complete, stopped, timedOut: true };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}
