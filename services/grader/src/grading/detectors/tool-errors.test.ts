import { describe, expect, it } from 'vitest';
import type { Trajectory } from '@rft/contracts';
import { inspectToolCalls } from './tool-errors.ts';
import { detectTruncation } from './truncation.ts';

const turn = (finishReason: string) => ({
  promptTokens: 1,
  completionTokens: 1,
  cachedTokens: null,
  finishReason,
  stopReason: null,
  latencyMs: 1,
});

describe('inspectToolCalls', () => {
  it('accepts calls whose last output is clean, even after an earlier failure', () => {
    const r = inspectToolCalls([
      { kind: 'code', text: 'print(1/0)' },
      { kind: 'tool_output', text: 'Traceback (most recent call last):\nZeroDivisionError: division by zero' },
      { kind: 'code', text: 'print(1)' },
      { kind: 'tool_output', text: '1' },
    ]);
    expect(r).toMatchObject({ toolCalls: 2, toolErrors: 1, lastFailed: false, unfinishedCall: false });
  });

  it('flags a failing last output, a timeout, a cut output and an unanswered call', () => {
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'tool_output', text: 'Traceback (most recent call last):\n  File "<stdin>"\nNameError: x' },
      ]).lastFailed,
    ).toBe(true);
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'tool_output', text: 'Timed out' },
      ]).lastError,
    ).toBe('timeout');
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'tool_output', text: '1 2 3 <output cut>' },
      ]).lastError,
    ).toBe('output_cut');
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'tool_output', text: 'ok', meta: { status: 'memory' } },
      ]).lastError,
    ).toBe('status_memory');
    expect(inspectToolCalls([{ kind: 'code', text: 'x' }]).unfinishedCall).toBe(true);
  });
});

describe('detectTruncation', () => {
  const base: Pick<Trajectory, 'end' | 'turns' | 'segments'> = { end: 'eos', turns: [turn('stop')], segments: [] };
  it('reads the end, the finish reason and the think marker', () => {
    expect(detectTruncation(base, '<think>a</think> \\boxed{1}')).toBeNull();
    expect(detectTruncation({ ...base, end: 'token_budget' }, 'x')).toBe('token_budget');
    expect(detectTruncation({ ...base, turns: [turn('stop'), turn('length')] }, 'x')).toBe('finish_length');
    expect(detectTruncation(base, '<think>still thinking')).toBe('unclosed_think');
    expect(detectTruncation({ ...base, end: 'repetition_abort' }, 'x')).toBe('repetition_abort');
  });

  it('requires </think> when the chat template opened the think block in the prompt', () => {
    const templated = { ...base, segments: [{ kind: 'prompt' as const, text: '<|im_start|>assistant\n<think>\n' }] };
    expect(detectTruncation(templated, 'still reasoning about it')).toBe('unclosed_think');
    expect(detectTruncation(templated, 'done</think> \\boxed{1}')).toBeNull();
    expect(detectTruncation(base, 'a plain answer \\boxed{1}')).toBeNull();
    expect(detectTruncation(base, 'a plain answer', { requireThinkClose: true })).toBe('unclosed_think');
  });
});

describe('the tool cap and final-answer code', () => {
  const notice = '```output\nCode execution skipped: the limit of 6 tool calls is reached. Continue reasoning without running code.\n```\n';
  const calls = (n: number) =>
    Array.from({ length: n }, (_, i) => [
      { kind: 'code' as const, text: `\`\`\`python\nprint(${i})\n\`\`\`` },
      {
        kind: 'tool_output' as const,
        text:
          i === n - 1
            ? `\`\`\`output\n${i}\n\n[Note: that was the last of the ${n} code executions allowed. Code written from now on will not be run; continue solving the problem by reasoning.]\n\`\`\``
            : `\`\`\`output\n${i}\n\`\`\``,
        meta: { status: 'ok', ...(i === n - 1 ? { toolLimitWarning: true } : {}) },
      },
    ]).flat();

  it('accepts a block answered by the tool-cap notice, by meta or by its wording', () => {
    const byMeta = inspectToolCalls([
      ...calls(6),
      { kind: 'code', text: '```python\nprint(7)\n```' },
      { kind: 'tool_output', text: notice, meta: { notice: 'tool_limit', executed: false } },
      { kind: 'model', text: '</think>\\boxed{7}' },
    ]);
    expect(byMeta).toMatchObject({ toolErrors: 0, lastFailed: false, unfinishedCall: false, skippedAtCap: 1 });
    const byText = inspectToolCalls([...calls(6), { kind: 'code', text: 'x' }, { kind: 'tool_output', text: notice }]);
    expect(byText).toMatchObject({ lastFailed: false, unfinishedCall: false, skippedAtCap: 1 });
    const legacy = inspectToolCalls([
      ...calls(6),
      { kind: 'code', text: 'x' },
      { kind: 'system', text: notice, meta: { notice: 'tool_limit' } },
    ]);
    expect(legacy).toMatchObject({ unfinishedCall: false, skippedAtCap: 1 });
  });

  it('keeps rejecting real failures around the cap', () => {
    const failedThenCap = inspectToolCalls([
      { kind: 'code', text: 'x' },
      { kind: 'tool_output', text: 'Traceback (most recent call last):\nNameError: x', meta: { status: 'error' } },
      { kind: 'code', text: 'y' },
      { kind: 'tool_output', text: notice, meta: { notice: 'tool_limit', executed: false } },
    ]);
    expect(failedThenCap).toMatchObject({ lastFailed: true, toolErrors: 1 });
    // A fake notice does not hide an unanswered block that is followed by something else.
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'system', text: 'note' },
      ]).unfinishedCall,
    ).toBe(true);
    expect(
      inspectToolCalls([
        { kind: 'code', text: 'x' },
        { kind: 'tool_output', text: 'Timed out', meta: { status: 'timeout' } },
      ]).lastFailed,
    ).toBe(true);
  });

  it('treats code after the end of thinking as answer text, not a tool call', () => {
    const r = inspectToolCalls([
      { kind: 'model', text: '<think>plan</think>Here is the solution:\n' },
      { kind: 'code', text: '```python\nn = int(input())\nprint(n)\n```' },
      { kind: 'tool_output', text: 'Traceback (most recent call last):\nEOFError: EOF when reading a line', meta: { status: 'error' } },
    ]);
    expect(r).toMatchObject({ toolCalls: 0, toolErrors: 0, lastFailed: false, unfinishedCall: false, answerBlocks: 1 });
    const unanswered = inspectToolCalls([
      { kind: 'model', text: '</think>' },
      { kind: 'code', text: '```python\nprint(1)\n```' },
    ]);
    expect(unanswered.unfinishedCall).toBe(false);
  });
});
