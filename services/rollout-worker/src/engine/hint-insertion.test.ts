import { describe, expect, it } from 'vitest';
import { insertHint } from './hint-insertion.ts';
import { kinds, testContext } from './rollout-test-context.ts';

describe('hint insertion', () => {
  it('adds an untrained hint segment with its provenance and counts it', async () => {
    const { ctx, state, registry } = testContext();
    insertHint(ctx, state, 'beforeThinkEnd', null);
    expect(kinds(state)).toEqual(['prompt', 'hint']);
    const hint = state.text.segments[1]!;
    expect(hint.meta).toMatchObject({ placement: 'beforeThinkEnd', library: 'start-hints-v1' });
    expect(hint.text.endsWith('```python')).toBe(true);
    expect(state.hintsInserted).toBe(1);
    expect(state.usedHints.has(hint.meta!.hintId as string)).toBe(true);
    expect(await registry.metrics()).toMatch(/rollout_hints_total\{purpose="\w+",placement="beforeThinkEnd"\} 1/);
  });

  it('continues the sentence after a trigger word instead of repeating it', () => {
    const { ctx, state } = testContext();
    insertHint(ctx, state, 'afterTrigger', 'Wait');
    const hint = state.text.segments[1]!;
    expect(hint.meta).toMatchObject({ placement: 'afterTrigger', trigger: 'Wait' });
    expect(hint.text.startsWith(' ')).toBe(true);
    expect(hint.text).not.toMatch(/^ Wait/);
  });

  it('prefers hints not used yet in the sample', () => {
    const { ctx, state } = testContext();
    const general = [1, 2, 3].map((i) => ({ id: `g-${i}`, purpose: 'general' as const, text: `Hint ${i}.\`\`\`python` }));
    const onlyGeneral = { math: ['general' as const], code: ['general' as const] };
    ctx.deps.hints = { version: 'test', hints: general, placement: { afterTrigger: onlyGeneral, beforeThinkEnd: onlyGeneral } };
    for (let i = 0; i < 3; i++) insertHint(ctx, state, 'beforeThinkEnd', null);
    const ids = state.text.segments.slice(1).map((s) => s.meta!.hintId);
    expect(new Set(ids)).toEqual(new Set(['g-1', 'g-2', 'g-3']));
  });
});
