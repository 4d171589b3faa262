import { MODEL_PROFILES } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { onEosStop } from './eos-stop.ts';
import { kinds, testContext } from './rollout-test-context.ts';
import type { RolloutState } from './rollout-context.ts';

const preview = MODEL_PROFILES['qwq-32b-preview'];

describe('EOS stop', () => {
  it('ends the trajectory for a profile with thinking markers', () => {
    const { ctx, state } = testContext();
    expect(onEosStop(ctx, state, 'The answer is \\boxed{42}.')).toEqual({ next: 'finish', end: 'eos' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'model']);
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

const lastTurn = (state: RolloutState, stopReason: string | number | null): void => {
  state.turns.push({ promptTokens: 1, completionTokens: 1, cachedTokens: null, finishReason: 'stop', stopReason, latencyMs: 1 });
};

describe('end-of-turn token', () => {
  const cases: Array<[string, string, string | number | null, string]> = [
    ['vLLM echoing it (skip_special_tokens false, include_stop_str_in_output true)', '\\boxed{42}<|im_end|>', null, '<|im_end|>'],
    ['vLLM not echoing it (skip_special_tokens true)', '\\boxed{42}', null, ''],
    ['SGLang with no_stop_trim (matched_stop is the token id)', '\\boxed{42}<|im_end|>', 151645, '<|im_end|>'],
    ['SGLang trimming it', '\\boxed{42}', 151645, ''],
    ['a second EOS token of generation_config (stop_reason its id)', '\\boxed{42}<|endoftext|>', 151643, '<|endoftext|>'],
    ['the model writing it and the server echoing it again', '\\boxed{42}<|im_end|><|im_end|>', null, '<|im_end|><|im_end|>'],
  ];
  for (const [what, turn, stopReason, echoed] of cases) {
    it(`stores exactly one, in its own trained segment: ${what}`, () => {
      const { ctx, state } = testContext();
      lastTurn(state, stopReason);
      onEosStop(ctx, state, turn);
      expect(state.text.assistant).toBe('\\boxed{42}<|im_end|>');
      const eot = state.text.segments[state.text.segments.length - 1]!;
      expect(eot).toEqual({ kind: 'model', text: '<|im_end|>', meta: { endOfTurn: true, echoed, finishReason: 'stop', stopReason } });
    });
  }

  it("uses the profile's own token (R1-distill)", () => {
    const { ctx, state } = testContext({ profile: MODEL_PROFILES['deepseek-r1-distill'] });
    lastTurn(state, null);
    onEosStop(ctx, state, '\\boxed{42}<｜end▁of▁sentence｜>');
    expect(state.text.assistant).toBe('\\boxed{42}<｜end▁of▁sentence｜>');
  });

  it('ends a turn that produced nothing after a tool output with the token alone', () => {
    const { ctx, state } = testContext();
    state.text.add('tool_output', '```output\n42\n```\n', { status: 'ok' });
    lastTurn(state, null);
    onEosStop(ctx, state, '');
    expect(kinds(state)).toEqual(['prompt', 'tool_output', 'model']);
    expect(state.text.segments[2]!.text).toBe('<|im_end|>');
  });
});
