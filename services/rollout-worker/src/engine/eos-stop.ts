/**
 * The model ended its turn (end of sequence). A profile without thinking markers (QwQ-32B-Preview)
 * has no end-of-thinking to stop on, so its before-end hint intercepts EOS instead: when the model
 * ends before the recipe's before-end hints were inserted, the hint goes in and the model resumes.
 */
import type { ModelProfile } from '@rft/contracts';
import { insertHint } from './hint-insertion.ts';
import { finishWith, GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export function onEosStop(ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  if (interceptsEos(ctx, state)) {
    state.text.add('model', withoutEosText(turnText, ctx.deps.profile));
    state.thinkEndHints++;
    insertHint(ctx, state, 'beforeThinkEnd', null);
    return GENERATE;
  }
  state.text.add('model', turnText);
  return finishWith('eos');
}

function interceptsEos(ctx: RolloutContext, state: RolloutState): boolean {
  const { recipe } = ctx.input;
  if (ctx.deps.profile.thinking !== null) return false;
  const hintsOn = recipe.hints.enabled && recipe.tools.enabled;
  const toolsLeft = state.toolCalls < recipe.tools.maxCalls;
  return hintsOn && toolsLeft && state.thinkEndHints < recipe.hints.beforeThinkEnd;
}

/** The turn's text without an end-of-sequence token the server echoed (it would end the prompt's turn). */
export function withoutEosText(turnText: string, profile: ModelProfile): string {
  for (const eos of profile.eosTokens) if (turnText.endsWith(eos)) return turnText.slice(0, turnText.length - eos.length);
  return turnText;
}
