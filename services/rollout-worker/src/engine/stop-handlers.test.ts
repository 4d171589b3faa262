import { describe, expect, it } from 'vitest';
import { onCodeEndStop } from './code-end-stop.ts';
import { onLengthStop } from './length-stop.ts';
import { kinds, testContext } from './rollout-test-context.ts';
import { onThinkEndStop } from './think-end-stop.ts';
import { onTriggerStop } from './trigger-stop.ts';

const loopGuard = { windowChars: 4000, minLoopChars: 200, minRepeats: 4 };

describe('length stop', () => {
  it('keeps the text and continues while budget is left', () => {
    const { ctx, state } = testContext();
    state.generated = 10;
    expect(onLengthStop(ctx, state, 'partial thought')).toEqual({ next: 'generate' });
    expect(state.continuing).toBe(true);
    expect(state.text.assistant).toBe('partial thought');
  });

  it('ends on the token budget once it is spent', () => {
    const { ctx, state } = testContext();
    state.generated = ctx.input.recipe.sampling.maxTokens;
    expect(onLengthStop(ctx, state, 'x')).toMatchObject({ next: 'finish', end: 'token_budget' });
  });

  it('aborts a looping sample and says how many tokens that saved', () => {
    const { ctx, state } = testContext({ options: { repetition: loopGuard } });
    state.generated = 1000;
    const out = onLengthStop(ctx, state, 'Let me recompute that step. '.repeat(10));
    expect(out).toEqual({ next: 'finish', end: 'repetition_abort', tokensSaved: ctx.input.recipe.sampling.maxTokens - 1000 });
  });
});

describe('trigger stop', () => {
  it('inserts an after-trigger hint when the draw says so', () => {
    const { ctx, state } = testContext({
      recipe: { hints: { enabled: true, triggerWords: ['Wait'], triggerProbability: 1, beforeThinkEnd: 0 } },
    });
    expect(onTriggerStop(ctx, state, 'So x = 3. Wait,', 'Wait')).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'hint']);
    expect(state.triggerHints).toBe(1);
    expect(state.continuing).toBe(false);
  });

  it('reads on without a hint when the draw says no', () => {
    const { ctx, state } = testContext({
      recipe: { hints: { enabled: true, triggerWords: ['Wait'], triggerProbability: 0, beforeThinkEnd: 0 } },
    });
    expect(onTriggerStop(ctx, state, 'So x = 3. Wait,', 'Wait')).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model']);
    expect(state.continuing).toBe(true);
  });
});

describe('end-of-thinking stop', () => {
  it('holds the marker back and inserts a before-end hint', () => {
    const { ctx, state } = testContext();
    expect(onThinkEndStop(ctx, state, 'The answer is 42.\n</think>')).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'hint']);
    expect(state.text.assistant).not.toContain('</think>');
    expect(state.thinkEndHints).toBe(1);
    expect(state.text.segments[2]!.meta).toMatchObject({ placement: 'beforeThinkEnd' });
  });
});

describe('code-end stop', () => {
  it('runs the block and appends its output', async () => {
    const { ctx, state } = testContext();
    const turn = 'Compute it.\n```python\nprint(6 * 7)\n```\n';
    const out = await onCodeEndStop(ctx, state, turn, { code: 'print(6 * 7)\n', codeStartInTurn: 'Compute it.\n'.length });
    expect(out).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'code', 'tool_output']);
    expect(state.text.segments[3]!.text).toBe('```output\n42\n```\n');
    expect(state.toolCalls).toBe(1);
  });
});

describe('tool cap', () => {
  const refusing = { run: () => Promise.reject(new Error('must not run past the cap')) };
  const block = (code: string) => ({ turn: `Check.\n\`\`\`python\n${code}\`\`\`\n`, at: 'Check.\n'.length, code });

  it('warns the model with the output of the last allowed call', async () => {
    const { ctx, state } = testContext({ recipe: { tools: { enabled: true, maxCalls: 2, timeoutMs: 10_000, state: 'stateless' } } });
    state.toolCalls = 1;
    const b = block('print(1)\n');
    await onCodeEndStop(ctx, state, b.turn, { code: b.code, codeStartInTurn: b.at });
    const out = state.text.segments[state.text.segments.length - 1]!;
    expect(out.kind).toBe('tool_output');
    expect(out.text).toMatch(/^```output\n1\n\n\[Note: that was the last of the 2 code executions allowed\. .*\]\n```\n$/);
    expect(out.meta).toMatchObject({ status: 'ok', toolLimitWarning: true });
  });

  it('answers a block past the cap with a tool output that says it was not run', async () => {
    const { ctx, state, registry } = testContext({
      sandbox: refusing,
      recipe: { tools: { enabled: true, maxCalls: 2, timeoutMs: 10_000, state: 'stateless' } },
    });
    state.toolCalls = 2;
    const b = block('print(2)\n');
    expect(await onCodeEndStop(ctx, state, b.turn, { code: b.code, codeStartInTurn: b.at })).toEqual({ next: 'generate' });
    expect(kinds(state)).toEqual(['prompt', 'model', 'code', 'tool_output']);
    const out = state.text.segments[3]!;
    expect(out.text).toBe(
      '```output\nCode execution skipped: the limit of 2 tool calls is reached. Continue reasoning without running code.\n```\n',
    );
    expect(out.meta).toEqual({ notice: 'tool_limit', executed: false });
    expect(state.toolLimitReached).toBe(true);
    expect(state.toolCalls).toBe(2);
    expect(await registry.metrics()).toMatch(/rollout_tool_calls_total\{status="skipped_at_cap"\} 1/);
  });
});
