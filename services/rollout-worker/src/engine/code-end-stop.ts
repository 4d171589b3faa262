/**
 * A python block closed: split model text from code, run the code (up to the tool cap) and append
 * its output. The last allowed call's output warns the model; a block past the cap is answered by a
 * tool output that says it was not run (meta `notice: 'tool_limit'`, no `status`), and code stops
 * end, so later blocks are plain model text. Nothing is left unanswered for the grader to reject.
 */
import { executeBlock } from './python-execution.ts';
import { GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';
import { formatToolOutput, lastCallWarning, toolLimitNotice } from './tool-output.ts';

export interface CodeEnd {
  code: string;
  /** Where the code starts in the turn's text (before it: model text; from it: the block). */
  codeStartInTurn: number;
}

export async function onCodeEndStop(ctx: RolloutContext, state: RolloutState, turnText: string, block: CodeEnd): Promise<TurnOutcome> {
  const { deps, input } = ctx;
  const tools = input.recipe.tools;
  // A block that began before a length cut: its first lines were filed as model text; re-file them as code.
  const earlier = block.codeStartInTurn < 0 ? state.text.takeBack(-block.codeStartInTurn) : '';
  const cut = Math.max(0, block.codeStartInTurn);
  state.text.add('model', turnText.slice(0, cut));
  state.text.add('code', (earlier ?? '') + turnText.slice(cut));
  if (state.toolCalls >= tools.maxCalls) {
    state.text.add('tool_output', toolLimitNotice(tools.maxCalls), { notice: 'tool_limit', executed: false });
    state.toolLimitReached = true;
    deps.metrics.toolCalls.inc({ status: 'skipped_at_cap' });
    return GENERATE;
  }
  state.toolCalls++;
  const result = await executeBlock(ctx, block.code, tools.timeoutMs);
  deps.metrics.toolCalls.inc({ status: result.status });
  deps.metrics.toolSeconds.observe(result.wallMs / 1000);
  const last = state.toolCalls === tools.maxCalls;
  const note = last ? lastCallWarning(tools.maxCalls) : undefined;
  state.text.add('tool_output', formatToolOutput(result, tools.timeoutMs, deps.options.toolOutputMaxChars, note), {
    status: result.status,
    wallMs: Math.round(result.wallMs),
    cpuMs: Math.round(result.cpuMs),
    ...(last ? { toolLimitWarning: true } : {}),
  });
  return GENERATE;
}
