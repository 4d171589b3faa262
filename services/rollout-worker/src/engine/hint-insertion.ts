/** Inserts one hint (after a trigger word or before the end of thinking) as an untrained segment. */
import { continuationAfterTrigger, drawHint, type HintPlacement } from './hint-library.ts';
import type { RolloutContext, RolloutState } from './rollout-context.ts';

export function insertHint(ctx: RolloutContext, state: RolloutState, placement: HintPlacement, trigger: string | null): void {
  const { deps, input } = ctx;
  const hint = drawHint(deps.hints, placement, input.question, ctx.rng, state.usedHints);
  state.usedHints.add(hint.id);
  const inserted = trigger ? continuationAfterTrigger(hint.text, input.recipe.hints.triggerWords) : hint.text;
  state.text.add('hint', inserted, {
    hintId: hint.id,
    purpose: hint.purpose,
    placement,
    library: deps.hints.version,
    ...(trigger ? { trigger } : {}),
  });
  state.hintsInserted++;
  deps.metrics.hints.inc({ purpose: hint.purpose, placement });
}
