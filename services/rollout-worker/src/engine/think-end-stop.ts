/**
 * The model is about to close its thinking: hold the marker back and insert a before-end hint
 * (the paper's sequential test-time scaling); the model closes its thinking again later.
 */
import { insertHint } from './hint-insertion.ts';
import { GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';
import { THINK_END } from './stop-plan.ts';

export function onThinkEndStop(ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  state.text.add('model', turnText.slice(0, turnText.length - THINK_END.length));
  state.thinkEndHints++;
  insertHint(ctx, state, 'beforeThinkEnd', null);
  return GENERATE;
}
