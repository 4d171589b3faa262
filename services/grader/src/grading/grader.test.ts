import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Question, Segment, Trajectory } from '@rft/contracts';
import { createLocalPythonRunner } from './code/local-python-runner.ts';
import { createGrader, GRADER_VERSION } from './grader.ts';
import { writeStubbornCompareWorker } from './math/stubborn-compare-worker.ts';

const grader = createGrader({ runner: createLocalPythonRunner('/usr/bin/python3'), equivalence: { workers: 1, timeoutMs: 5000 } });
afterAll(() => grader.close());

const math: Question = { id: 'q1', kind: 'math', problem: 'Compute 1/2 + 1/4.', answer: '\\frac{3}{4}' };
const code: Question = { id: 'c1', kind: 'code', problem: 'Sum.', tests: [{ type: 'stdin', input: '1 2\n', output: '3\n' }] };

function traj(segments: Segment[], over: Partial<Trajectory> = {}): Trajectory {
  return {
    campaignId: 'c',
    questionId: 'q1',
    stage: 'rft',
    sampleIndex: 0,
    seed: 1,
    recipe: 'r',
    segments: [{ kind: 'prompt', text: 'Solve.' }, ...segments],
    turns: [{ promptTokens: 10, completionTokens: 10, cachedTokens: null, finishReason: 'stop', stopReason: null, latencyMs: 1 }],
    end: 'eos',
    toolCalls: 0,
    hintsInserted: 0,
    ...over,
  };
}
const model = (text: string): Segment => ({ kind: 'model', text });

describe('grader verdicts', () => {
  it('marks a correct, clean math sample eligible', async () => {
    const v = await grader.grade({ question: math, trajectory: traj([model('<think>1/2+1/4 = 3/4</think>So \\boxed{0.75}.')]) });
    expect(v).toMatchObject({ correct: true, eligible: true, reasons: [], graderVersion: GRADER_VERSION });
    expect(v.metrics).toMatchObject({ answer: '0.75', answerVia: 'boxed' });
  });

  it('gives wrong answers, missing answers and generation errors their reasons', async () => {
    expect((await grader.grade({ question: math, trajectory: traj([model('<think>x</think>\\boxed{5}')]) })).reasons).toEqual([
      'wrong_answer',
    ]);
    expect((await grader.grade({ question: math, trajectory: traj([model('<think>x</think>I give up.')]) })).reasons).toEqual([
      'no_answer',
    ]);
    const err = await grader.grade({ question: math, trajectory: traj([], { end: 'error', error: 'replica unreachable' }) });
    expect(err).toMatchObject({
      correct: false,
      eligible: false,
      reasons: ['generation_error'],
      metrics: { error: 'replica unreachable' },
    });
  });

  it('keeps a correct but truncated or repetitive sample out of training', async () => {
    const cut = await grader.grade({
      question: math,
      trajectory: traj([model('<think>3/4 \\boxed{3/4} and more')], { end: 'token_budget' }),
    });
    expect(cut.reasons).toEqual(expect.arrayContaining(['truncated']));
    expect(cut.eligible).toBe(false);
    const loop = 'Let me double check the addition of the two fractions once more. '.repeat(80);
    const rep = await grader.grade({ question: math, trajectory: traj([model(`<think>${loop}</think>\\boxed{3/4}`)]) });
    expect(rep).toMatchObject({ correct: true, eligible: false });
    expect(rep.reasons).toContain('repetitive');
  });

  it('flags a failed last tool call and scores a clean tool-verified answer higher', async () => {
    const bad = await grader.grade({
      question: math,
      trajectory: traj([
        model('<think>check'),
        { kind: 'code', text: 'print(1/2+1/4)' },
        { kind: 'tool_output', text: 'Traceback (most recent call last):\nNameError: x' },
        model('</think>\\boxed{3/4}'),
      ]),
    });
    expect(bad.reasons).toContain('tool_error');
    const good = await grader.grade({
      question: math,
      trajectory: traj([
        model('<think>check'),
        { kind: 'code', text: 'print(1/2+1/4)' },
        { kind: 'tool_output', text: '0.75' },
        model('</think>\\boxed{3/4}'),
      ]),
    });
    expect(good).toMatchObject({ eligible: true, metrics: { qualityScore: 1 } });
  });

  it('grades code questions by running the tests', async () => {
    const ok = await grader.grade({
      question: code,
      trajectory: traj([model('</think>```python\na, b = map(int, input().split())\nprint(a + b)\n```')], { questionId: 'c1' }),
    });
    expect(ok).toMatchObject({ correct: true, eligible: true });
    const bad = await grader.grade({ question: code, trajectory: traj([model('</think>```python\nprint(4)\n```')], { questionId: 'c1' }) });
    expect(bad.reasons).toEqual(['tests_failed']);
    expect(bad.metrics['tests']).toMatchObject({ firstFailure: { index: 0, why: 'wrong_output' } });
  });
});

describe('stuck comparisons', () => {
  it('turn into grader_timeout (thread killed) without blocking later samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rft-grader-'));
    const stubborn = createGrader({
      runner: createLocalPythonRunner('/usr/bin/python3'),
      equivalence: { workers: 1, timeoutMs: 1000, workerUrl: writeStubbornCompareWorker(dir) },
    });
    try {
      const stuck = await stubborn.grade({ question: { ...math, answer: 'hang' }, trajectory: traj([model('</think>\\boxed{1}')]) });
      expect(stuck).toMatchObject({ correct: false, eligible: false, reasons: ['grader_timeout'], metrics: { undecided: 'timeout' } });
      const crashed = await stubborn.grade({ question: { ...math, answer: 'die' }, trajectory: traj([model('</think>\\boxed{1}')]) });
      expect(crashed.reasons).toEqual(['grader_error']);
      const next = await stubborn.grade({ question: math, trajectory: traj([model('</think>\\boxed{3/4}')]) });
      expect(next.correct).toBe(true);
    } finally {
      await stubborn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds pathological exact arithmetic (a list of big binomials against its reverse)', async () => {
    const items = Array.from({ length: 48 }, (_, i) => `\\binom{${4900 + i}}{2450}`);
    const v = await grader.grade({
      question: { ...math, answer: items.join(', ') },
      trajectory: traj([model(`</think>\\boxed{${[...items].reverse().join(', ')}}`)]),
    });
    expect(v.correct).toBe(true);
  });
});

describe('malformed input objects', () => {
  it('are refused with the field named', async () => {
    await expect(grader.grade({ question: { ...math, answer: '' }, trajectory: traj([model('x')]) })).rejects.toThrow(/question: answer/);
    await expect(grader.grade({ question: math, trajectory: { ...traj([model('x')]), end: 'done' as never } })).rejects.toThrow(
      /trajectory: end/,
    );
    await expect(grader.grade({ question: math, trajectory: traj([model('x')], { questionId: 'other' }) })).rejects.toThrow(
      /trajectory.questionId/,
    );
  });
});

describe('bad input still gets a verdict with a reason', () => {
  it('empty response', async () => {
    const v = await grader.grade({ question: math, trajectory: traj([model('')]) });
    expect(v).toMatchObject({ correct: false, reasons: ['no_answer'], metrics: { empty: true } });
  });

  it('multi-megabyte response', async () => {
    const filler = Array.from({ length: 60_000 }, (_, i) => `line ${i} computes ${i * 3} plus ${i % 7}.`).join('\n');
    const v = await grader.grade({ question: math, trajectory: traj([model(`<think>${filler}</think>\\boxed{\\frac34}`)]) });
    expect((v.metrics['responseChars'] as number) > 1_000_000).toBe(true);
    expect(v).toMatchObject({ correct: true });
  });

  it('ill-formed unicode (lone surrogates from invalid UTF-8)', async () => {
    const v = await grader.grade({ question: math, trajectory: traj([model('<think>\ud800 oops \udfff</think>\\boxed{3/4}')]) });
    expect(v).toMatchObject({ correct: true, metrics: { illFormedUnicode: true } });
  });

  it('unbalanced braces and LaTeX bombs', async () => {
    const unbalanced = await grader.grade({ question: math, trajectory: traj([model('</think>\\boxed{\\frac{3}{4}')]) });
    expect(unbalanced.reasons).toEqual(['no_answer']);
    let deep = '3/4';
    for (let i = 0; i < 400; i++) deep = `\\frac{1}{${deep}}`;
    const bomb = await grader.grade({ question: math, trajectory: traj([model(`</think>\\boxed{${deep}}`)]) });
    expect(bomb.correct).toBe(false);
    expect(bomb.reasons.length).toBeGreaterThan(0);
    const tower = await grader.grade({
      question: { ...math, answer: '10^{10^{10}}' },
      trajectory: traj([model('</think>\\boxed{10^{10^{10}}+1}')]),
    });
    expect(tower).toMatchObject({ correct: false, reasons: ['wrong_answer'], metrics: { undecided: 'not_evaluable' } });
  });
});
