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
