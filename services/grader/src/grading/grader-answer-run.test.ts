/** A code question's final program run as a tool call without input (profiles with no end of thinking). */
import { afterAll, describe, expect, it } from 'vitest';
import type { Question, Segment, Trajectory } from '@rft/contracts';
import { normaliseProgram } from './code/answer-run.ts';
import { createLocalPythonRunner } from './code/local-python-runner.ts';
import { createGrader } from './grader.ts';

const grader = createGrader({ runner: createLocalPythonRunner('/usr/bin/python3'), equivalence: { workers: 1, timeoutMs: 5000 } });
afterAll(() => grader.close());

const code: Question = {
  id: 'q1',
  kind: 'code',
  problem: 'Sum.',
  tests: [
    { type: 'stdin', input: '1 2\n', output: '3\n' },
    { type: 'stdin', input: '5 7\n', output: '12\n' },
  ],
};
const math: Question = { id: 'q1', kind: 'math', problem: 'Compute 6*7.', answer: '42' };

const model = (text: string): Segment => ({ kind: 'model', text });
const endOfTurn: Segment = {
  kind: 'model',
  text: '<|im_end|>',
  meta: { endOfTurn: true, echoed: '', finishReason: 'stop', stopReason: null },
};
const call = (program: string): Segment => ({ kind: 'code', text: `\`\`\`python\n${program}\n\`\`\`` });
const failed = (error: string): Segment => ({
  kind: 'tool_output',
  text: `\`\`\`output\nTraceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${error}\n\`\`\`\n`,
  meta: { status: 'error' },
});
const eof = failed('EOFError: EOF when reading a line');

/** A QwQ-32B-Preview trajectory: no thinking markers, so every closed python block was run. */
function preview(segments: Segment[]): Trajectory {
  return {
    campaignId: 'c',
    questionId: 'q1',
    stage: 'rft',
    sampleIndex: 0,
    seed: 1,
    recipe: 'r',
    segments: [{ kind: 'prompt', text: '<|im_start|>user\nSolve.<|im_end|>\n<|im_start|>assistant\n' }, ...segments, endOfTurn],
    turns: [{ promptTokens: 10, completionTokens: 10, cachedTokens: null, finishReason: 'stop', stopReason: null, latencyMs: 1 }],
    end: 'eos',
    toolCalls: segments.filter((s) => s.kind === 'code').length,
    hintsInserted: 0,
    modelProfile: 'qwq-32b-preview',
    endOfTurn: '<|im_end|>',
  };
}

const sum = 'a, b = map(int, input().split())\nprint(a + b)';

describe('final program run as a tool call without input', () => {
  it('keeps a correct program that failed with EOFError eligible and grades it by the tests', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: preview([model('Read two numbers and print their sum.\n\n'), call(sum), eof, model('That is the solution.')]),
    });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
    expect(v.metrics['tests']).toMatchObject({ run: 2, total: 2 });
    expect(v.metrics['lastToolErrorExcused']).toBe('answer_program');
  });

  it('rejects a wrong program run the same way by its tests, not as a tool error', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: preview([model('Print the difference.\n\n'), call('a, b = map(int, input().split())\nprint(a - b)'), eof]),
    });
    expect(v).toMatchObject({ correct: false, eligible: false, reasons: ['tests_failed'] });
  });

  it('excuses the answer program failing without input on another error (sys.stdin read empty)', async () => {
    const program = 'import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)';
    const v = await grader.grade({
      question: code,
      trajectory: preview([call(program), failed('ValueError: not enough values to unpack (expected 2, got 0)')]),
    });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
    expect(v.metrics['lastToolErrorExcused']).toBe('answer_program');
  });

  it('excuses a last call that read no input, when a later final program is graded by the tests', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: preview([
        call('n = int(input())\nprint(n)'),
        eof,
        model('No input here. Final program:\n```python\nprint(sum(map(int, input().split())))\n'),
      ]),
    });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
    expect(v.metrics['lastToolErrorExcused']).toBe('no_input');
  });

  it('still rejects a genuinely failing last call that is not the answer', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: preview([call('print(1 / 0)'), failed('ZeroDivisionError: division by zero'), model(`Final:\n\`\`\`python\n${sum}\n`)]),
    });
    expect(v).toMatchObject({ correct: true, eligible: false, reasons: ['tool_error'] });
  });

  it('keeps tool_error for a math answer after a failed last call, EOFError included', async () => {
    const v = await grader.grade({
      question: math,
      trajectory: preview([call('n = int(input())\nprint(n * 7)'), eof, model('So the answer is \\boxed{42}.')]),
    });
    expect(v).toMatchObject({ correct: true, eligible: false, reasons: ['tool_error'] });
    expect(v.metrics['lastToolErrorExcused']).toBeUndefined();
  });

  it('does not put the failed code in the stored metrics', async () => {
    const v = await grader.grade({ question: code, trajectory: preview([call(sum), eof]) });
    expect(v.metrics['tools']).not.toHaveProperty('lastFailedCode');
    expect(v.metrics['tools']).toMatchObject({ lastFailed: true, lastFailedOnEof: true });
  });
});

describe('normaliseProgram', () => {
  it('ignores line-end style, trailing spaces and blank lines, not indentation', () => {
    expect(normaliseProgram('a = 1  \r\n\r\nif a:\r\n    print(a)\n')).toBe('a = 1\nif a:\n    print(a)');
    expect(normaliseProgram('if a:\n  print(a)')).not.toBe(normaliseProgram('if a:\n    print(a)'));
  });
});
