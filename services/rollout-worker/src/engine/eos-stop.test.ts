import { MODEL_PROFILES } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { onEosStop } from './eos-stop.ts';
import { kinds, testContext } from './rollout-test-context.ts';

const preview = MODEL_PROFILES['qwq-32b-preview'];

describe('EOS stop', () => {
  it('ends the trajectory for a profile with thinking markers', () => {
    const { ctx, state } = testContext();
    expect(onEosStop(ctx, state, 'The answer is \\boxed{42}.')).toEqual({ next: 'finish', end: 'eos' });
    expect(kinds(state)).toEqual(['prompt', 'model']);
  });

  it('inserts the before-end hint instead of ending, for a profile without thinking markers', () => {
    const { ctx, state } = testContext({ profile: preview });
    expect(onEosStop(ctx, state, 'So the answer is 42.<|im_end|>')).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'hint']);
    expect(state.text.assistant.startsWith('So the answer is 42.Wait')).toBe(true); // the echoed EOS is gone
    expect(state.text.segments[2]!.meta).toMatchObject({ placement: 'beforeThinkEnd' });
    expect(onEosStop(ctx, state, 'Confirmed: \\boxed{42}')).toEqual({ next: 'finish', end: 'eos' }); // once per recipe
  });

  it('lets a no-marker model end when the recipe has no before-end hints or no tools left', () => {
    const noHints = testContext({ profile: preview, recipe: { hints: { ...testContext().ctx.input.recipe.hints, beforeThinkEnd: 0 } } });
    expect(onEosStop(noHints.ctx, noHints.state, 'Done.')).toMatchObject({ end: 'eos' });
    const capped = testContext({ profile: preview });
    capped.state.toolCalls = capped.ctx.input.recipe.tools.maxCalls;
    expect(onEosStop(capped.ctx, capped.state, 'Done.')).toMatchObject({ end: 'eos' });
  });
});
