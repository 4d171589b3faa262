/** Plans one generate call (which stops are on, how many tokens) and records its usage. */
import type { TurnUsage } from '@rft/contracts';
import type { GenerateOutcome } from './inference-caller.ts';
import type { RolloutContext, RolloutState } from './rollout-context.ts';
import { afterThinking, stopStrings, type StopPlanInput } from './stop-plan.ts';

/** Characters per token assumed when estimating the prompt size (low on purpose: code and digits tokenize densely). */
const CONSERVATIVE_CHARS_PER_TOKEN = 2;

export interface TurnPlan {
  plan: StopPlanInput;
  stops: string[];
  maxTokens: number;
}

export function planStops(ctx: RolloutContext, state: RolloutState): StopPlanInput {
  const { recipe } = ctx.input;
  const { options } = ctx.deps;
  const thinking = ctx.deps.profile.thinking;
  const thinkClose = thinking?.close ?? null;
  const thinkClosed = afterThinking(state.text.assistant, { thinkClose });
  const hintsOn = recipe.hints.enabled && recipe.tools.enabled;
  const toolsLeft = recipe.tools.enabled && state.toolCalls < recipe.tools.maxCalls;
  return {
    // After the end of thinking a code block is the answer (graded by the tests), never a tool call.
    // A profile without markers (QwQ-32B-Preview) has no such boundary: as CoRT, ToRA and NeMo-Skills
    // run such models, every closed python block up to the cap is a tool call, and the answer is
    // what follows the last tool output.
    codeStop: recipe.tools.enabled && !state.toolLimitReached && !thinkClosed,
    triggerWords:
      hintsOn && toolsLeft && !thinkClosed && recipe.hints.triggerProbability > 0 && state.triggerHints < options.maxTriggerHints
        ? recipe.hints.triggerWords
        : [],
    thinkEndStop: thinking !== null && hintsOn && toolsLeft && !thinkClosed && state.thinkEndHints < recipe.hints.beforeThinkEnd,
    thinkClose,
  };
}

/** The next turn's plan, or null when the context window is full. */
export async function planTurn(ctx: RolloutContext, state: RolloutState): Promise<TurnPlan | null> {
  const plan = planStops(ctx, state);
  const remaining = ctx.input.recipe.sampling.maxTokens - state.generated;
  const chunk = ctx.deps.options.chunkTokens;
  let maxTokens = chunk ? Math.min(remaining, chunk) : remaining;
  const window = await ctx.deps.contextWindow();
  if (window !== null) {
    const last = state.turns[state.turns.length - 1];
    const text = state.text.text;
    const promptEstimate = last
      ? last.promptTokens + last.completionTokens + Math.ceil((text.length - state.contextCharsAtLastTurn) / CONSERVATIVE_CHARS_PER_TOKEN)
      : Math.ceil(text.length / CONSERVATIVE_CHARS_PER_TOKEN);
    const room = window - promptEstimate;
    if (room < 16) return null;
    maxTokens = Math.min(maxTokens, room);
  }
  return { plan, stops: stopStrings(plan), maxTokens };
}

/** Books a finished generate call into the state and the metrics. */
export function recordTurn(ctx: RolloutContext, state: RolloutState, outcome: GenerateOutcome): TurnUsage {
  const r = outcome.result;
  const { metrics } = ctx.deps;
  const turn: TurnUsage = {
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    cachedTokens: r.cachedTokens,
    finishReason: r.finishReason,
    stopReason: r.stopReason,
    latencyMs: Math.round(outcome.latencyMs * 10) / 10,
    replica: outcome.replica,
  };
  state.turns.push(turn);
  state.generated += r.completionTokens;
  state.contextCharsAtLastTurn = state.text.text.length + r.text.length;
  metrics.turns.inc({ finish_reason: r.finishReason });
  metrics.generatedTokens.inc({ replica: outcome.replica }, r.completionTokens);
  metrics.promptTokens.inc({ replica: outcome.replica }, r.promptTokens);
  if (r.cachedTokens) metrics.cachedTokens.inc({ replica: outcome.replica }, r.cachedTokens);
  return turn;
}
