import { afterAll, describe, expect, it } from 'vitest';
import type { Question, Segment, Trajectory } from '@rft/contracts';
import { createLocalPythonRunner } from './code/local-python-runner.ts';
import { createGrader } from './grader.ts';

const grader = createGrader({ runner: createLocalPythonRunner('/usr/bin/python3'), equivalence: { workers: 1, timeoutMs: 5000 } });
afterAll(() => grader.close());

const math: Question = { id: 'q1', kind: 'math', problem: 'Compute 6*7.', answer: '42' };
const code: Question = { id: 'q1', kind: 'code', problem: 'Sum.', tests: [{ type: 'stdin', input: '1 2\n', output: '3\n' }] };

function traj(segments: Segment[]): Trajectory {
  return {
    campaignId: 'c',
    questionId: 'q1',
    stage: 'rft',
    sampleIndex: 0,
    seed: 1,
    recipe: 'r',
    segments: [{ kind: 'prompt', text: 'Solve.<think>' }, ...segments],
    turns: [{ promptTokens: 10, completionTokens: 10, cachedTokens: null, finishReason: 'stop', stopReason: null, latencyMs: 1 }],
    end: 'eos',
    toolCalls: segments.filter((s) => s.kind === 'code').length,
    hintsInserted: 0,
  };
}
const model = (text: string): Segment => ({ kind: 'model', text });
const block = (i: number): Segment[] => [
  model(`Try ${i}.\n`),
  { kind: 'code', text: `\`\`\`python\nprint(6*7)\n\`\`\`` },
  { kind: 'tool_output', text: '```output\n42\n```\n', meta: { status: 'ok' } },
];

describe('tool cap', () => {
  it('keeps a sample that reached the cap and then answered correctly eligible', async () => {
    const v = await grader.grade({
      question: math,
      trajectory: traj([
        ...[1, 2, 3, 4, 5, 6].flatMap(block),
        model('Once more.\n'),
        { kind: 'code', text: '```python\nprint(6*7)\n```' },
        {
          kind: 'tool_output',
          text: '```output\nCode execution skipped: the limit of 6 tool calls is reached. Continue reasoning without running code.\n```\n',
          meta: { notice: 'tool_limit', executed: false },
        },
        model('Fine, 42.</think>The answer is \\boxed{42}.'),
      ]),
    });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
    expect(v.metrics['tools']).toMatchObject({ skippedAtCap: 1, unfinishedCall: false });
  });
});

describe('invented tool output', () => {
  it('rejects a correct sample whose model text holds an output block of its own', async () => {
    const v = await grader.grade({
      question: math,
      trajectory: traj([model('Compute:\n```python\nprint(6*7)\n```\n```output\n42\n```\nSo</think>\\boxed{42}')]),
    });
    expect(v).toMatchObject({ correct: true, eligible: false, reasons: ['invented_tool_output'] });
    expect(v.metrics['inventedOutputSegments']).toEqual([1]);
  });
});

describe('final-answer code', () => {
  const solution = '```python\na, b = map(int, input().split())\nprint(a + b)\n```';
  it('grades the last block of the answer by the tests, as model text', async () => {
    const v = await grader.grade({ question: code, trajectory: traj([model(`plan</think>Solution:\n${solution}`)]) });
    expect(v).toMatchObject({ correct: true, eligible: true });
  });

  it('does not count an execution of the answer code (no stdin) as a failed tool call', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: traj([
        model('plan</think>Solution:\n'),
        { kind: 'code', text: solution },
        { kind: 'tool_output', text: 'Traceback (most recent call last):\nEOFError: EOF when reading a line', meta: { status: 'error' } },
      ]),
    });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
  });

  const endOfTurn: Segment = {
    kind: 'model',
    text: '<|im_end|>',
    meta: { endOfTurn: true, echoed: '', finishReason: 'stop', stopReason: null },
  };
  const openSolution = '```python\na, b = map(int, input().split())\nprint(a + b)\n';

  it('grades a last block left open at EOS (the model never closed the fence) by the tests', async () => {
    const t = { ...traj([model(`plan</think>Solution:\n${openSolution}`), endOfTurn]), endOfTurn: '<|im_end|>', modelProfile: 'qwq-32b' };
    const v = await grader.grade({ question: code, trajectory: t });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
    expect(v.metrics['tests']).toMatchObject({ run: 1, total: 1 });
  });

  it('grades the open final block of a profile without thinking, not the tool call before it', async () => {
    const t: Trajectory = {
      ...traj([]),
      segments: [
        { kind: 'prompt', text: '<|im_start|>user\nSum.<|im_end|>\n<|im_start|>assistant\n' },
        model('Let me check the sum.\n'),
        { kind: 'code', text: '```python\nprint(1 + 1)\n```\n' },
        { kind: 'tool_output', text: '```output\n2\n```\n', meta: { status: 'ok' } },
        model(`Good. Final program:\n${openSolution}`),
        endOfTurn,
      ],
      toolCalls: 1,
      modelProfile: 'qwq-32b-preview',
      endOfTurn: '<|im_end|>',
    };
    const v = await grader.grade({ question: code, trajectory: t });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [] });
  });

  it('also finds the open block when the server echoed the EOS text into the model text', async () => {
    const v = await grader.grade({
      question: code,
      trajectory: { ...traj([model(`plan</think>\n${openSolution}<|im_end|>`)]), modelProfile: 'qwq-32b' },
    });
    expect(v).toMatchObject({ correct: true, eligible: true });
  });

  it('never grades half a program cut at the length limit', async () => {
    const t: Trajectory = { ...traj([model(`plan</think>\n${openSolution}`)]), end: 'token_budget' };
    const v = await grader.grade({ question: code, trajectory: t });
    expect(v).toMatchObject({ correct: false, eligible: false });
    expect(v.reasons).toEqual(expect.arrayContaining(['truncated', 'no_answer']));
  });
});
