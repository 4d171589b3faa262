/**
 * The model is about to close its thinking: hold the marker back and insert a before-end hint
 * (the paper's sequential test-time scaling); the model closes its thinking again later.
 */
import { insertHint } from './hint-insertion.ts';
import { GENERATE, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export function onThinkEndStop(ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  const close = ctx.deps.profile.thinking?.close ?? '';
  state.text.add('model', turnText.slice(0, turnText.length - close.length));
  state.thinkEndHints++;
  insertHint(ctx, state, 'beforeThinkEnd', null);
  return GENERATE;
}
