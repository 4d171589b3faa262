/** A python block closed: split model text from code, run the code (up to the tool cap) and append its output. */
import { executeBlock } from './python-execution.ts';
import { GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';
import { formatToolOutput, toolLimitNotice } from './tool-output.ts';

export interface CodeEnd {
  code: string;
  /** Where the code starts in the turn's text (before it: model text; from it: the block). */
  codeStartInTurn: number;
}

export async function onCodeEndStop(ctx: RolloutContext, state: RolloutState, turnText: string, block: CodeEnd): Promise<TurnOutcome> {
  const { deps, input } = ctx;
  const tools = input.recipe.tools;
  const cut = Math.max(0, block.codeStartInTurn);
  state.text.add('model', turnText.slice(0, cut));
  state.text.add('code', turnText.slice(cut));
  if (state.toolCalls >= tools.maxCalls) {
    state.text.add('system', toolLimitNotice(tools.maxCalls), { notice: 'tool_limit' });
    state.toolLimitReached = true;
    return GENERATE;
  }
  state.toolCalls++;
  const session = deps.options.toolSessions ? `${input.campaignId}/${input.question.id}/${input.stage}/${input.sampleIndex}` : undefined;
  const result = await executeBlock(deps, block.code, tools.timeoutMs, session, ctx.signal);
  deps.metrics.toolCalls.inc({ status: result.status });
  deps.metrics.toolSeconds.observe(result.wallMs / 1000);
  state.text.add('tool_output', formatToolOutput(result, tools.timeoutMs, deps.options.toolOutputMaxChars), {
    status: result.status,
    wallMs: Math.round(result.wallMs),
    cpuMs: Math.round(result.cpuMs),
  });
  return GENERATE;
}
