/** The model ended its turn (end of sequence). */
import { finishWith, type RolloutContext, type RolloutState, type TurnOutcome } from './rollout-context.ts';

export function onEosStop(_ctx: RolloutContext, state: RolloutState, turnText: string): TurnOutcome {
  state.text.add('model', turnText);
  return finishWith('eos');
}
