/**
 * The model ended its turn (end of sequence: finish_reason "stop" with vLLM's `stop_reason` null or
 * a stop-token id, or SGLang's `matched_stop` a token id).
 *
 * Whether the server echoed the EOS text depends on its flags (vLLM: skip_special_tokens and
 * include_stop_str_in_output; SGLang: skip_special_tokens and no_stop_trim), so the echo is never
 * relied on: any EOS text at the end of the turn is taken off and the profile's end-of-turn token is
 * stored once, as its own trained `model` segment (meta `endOfTurn: true`), so every export trains
 * the model to stop.
 *
 * A python block still open (or closed without a newline) at EOS is not run: the model ended its
 * turn, and running it would need a continuation the model did not ask for. CoRT, ToRA and
 * NeMo-Skills execute only on the closing-fence stop and end a sample on EOS the same way.
 *
 * A profile without thinking markers (QwQ-32B-Preview) has no end-of-thinking to stop on, so its
 * before-end hint intercepts EOS instead: when the model ends before the recipe's before-end hints
 * were inserted, the hint goes in and the model resumes.
 */
import type { ModelProfile } from '@rft/contracts';
import { insertHint } from './hint-insertion.ts';
import { finishWith, GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export interface EndOfTurnMeta {
  endOfTurn: true;
  /** The EOS text the server returned at the end of the turn ('' when it did not echo one). */
  echoed: string;
  finishReason: string;
  stopReason: string | number | null;
}

export function onEosStop(ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  const { profile } = ctx.deps;
  const { text, echoed } = splitEosText(turnText, profile);
  if (interceptsEos(ctx, state)) {
    state.text.add('model', text);
    state.thinkEndHints++;
    insertHint(ctx, state, 'beforeThinkEnd', null);
    return GENERATE;
  }
  state.text.add('model', text);
  const last = state.turns[state.turns.length - 1];
  const meta: EndOfTurnMeta = {
    endOfTurn: true,
    echoed,
    finishReason: last?.finishReason ?? 'stop',
    stopReason: last?.stopReason ?? null,
  };
  state.text.add('model', profile.endOfTurn, { ...meta });
  return finishWith('eos');
}

function interceptsEos(ctx: RolloutContext, state: RolloutState): boolean {
  const { recipe } = ctx.input;
  if (ctx.deps.profile.thinking !== null) return false;
  const hintsOn = recipe.hints.enabled && recipe.tools.enabled;
  const toolsLeft = state.toolCalls < recipe.tools.maxCalls;
  return hintsOn && toolsLeft && state.thinkEndHints < recipe.hints.beforeThinkEnd;
}

/** The turn's text without the EOS texts the server echoed at its end (all of them: never two end-of-turn tokens). */
export function splitEosText(turnText: string, profile: ModelProfile): { text: string; echoed: string } {
  let text = turnText;
  let echoed = '';
  for (;;) {
    const eos = profile.eosTokens.find((e) => text.endsWith(e));
    if (!eos) return { text, echoed };
    echoed = eos + echoed;
    text = text.slice(0, text.length - eos.length);
  }
}
