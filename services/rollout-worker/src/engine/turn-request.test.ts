import { MODEL_PROFILES } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { testContext } from './rollout-test-context.ts';
import { planStops, planTurn } from './turn-request.ts';

const hints = { enabled: true, triggerWords: ['Wait'], triggerProbability: 0.5, beforeThinkEnd: 1 };

describe('turn plan', () => {
  it('stops on code, trigger words and the end of thinking while thinking', () => {
    const { ctx, state } = testContext({ recipe: { hints } });
    state.text.add('model', 'Let me think.');
    expect(planStops(ctx, state)).toEqual({ codeStop: true, triggerWords: ['Wait'], thinkEndStop: true, thinkClose: '</think>' });
  });

  it('turns every stop off after the end of thinking: code there is the answer', () => {
    const { ctx, state } = testContext({ recipe: { hints } });
    state.text.add('model', 'Done.\n</think>\n\n');
    expect(planStops(ctx, state)).toMatchObject({ codeStop: false, triggerWords: [], thinkEndStop: false });
  });

  it('keeps code stops to the end for a profile without thinking markers', () => {
    const { ctx, state } = testContext({ recipe: { hints }, profile: MODEL_PROFILES['qwq-32b-preview'] });
    state.text.add('model', 'Some </think> text.');
    expect(planStops(ctx, state)).toEqual({ codeStop: true, triggerWords: ['Wait'], thinkEndStop: false, thinkClose: null });
  });

  it('caps a turn at the chunk size and the room left in the context window', async () => {
    const { ctx, state } = testContext({ options: { chunkTokens: 100 } });
    expect((await planTurn(ctx, state))?.maxTokens).toBe(100);
    ctx.deps.contextWindow = () => Promise.resolve(90);
    expect((await planTurn(ctx, state))?.maxTokens).toBe(90 - Math.ceil(state.text.text.length / 2)); // 2 chars a token, conservatively
    ctx.deps.contextWindow = () => Promise.resolve(40); // under 16 tokens of room: full
    expect(await planTurn(ctx, state)).toBeNull();
  });
});
