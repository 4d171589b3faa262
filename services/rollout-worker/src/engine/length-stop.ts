/** The turn ran out of tokens (a chunk or the whole budget): keep the text, continue unless the budget is spent or it loops. */
import { continueUnlessLooping, finishWith, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export function onLengthStop(ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  state.text.add('model', turnText);
  if (state.generated >= ctx.input.recipe.sampling.maxTokens) return finishWith('token_budget');
  return continueUnlessLooping(ctx, state);
}
