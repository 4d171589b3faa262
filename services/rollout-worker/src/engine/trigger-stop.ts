/** The model wrote a trigger word ("Wait,"): insert an after-trigger hint with the recipe's probability, else read on. */
import { insertHint } from './hint-insertion.ts';
import { continueUnlessLooping, GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export function onTriggerStop(ctx: RolloutContext, state: RolloutState, turnText: string, word: string): TurnOutcome {
  state.text.add('model', turnText);
  if (ctx.rng.next() < ctx.input.recipe.hints.triggerProbability) {
    state.triggerHints++;
    insertHint(ctx, state, 'afterTrigger', word);
    return GENERATE;
  }
  return continueUnlessLooping(ctx, state);
}
