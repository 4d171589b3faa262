import { describe, expect, it } from 'vitest';
import type { CodeTest } from '@rft/contracts';
import { extractFinalCode } from './code-extract.ts';
import { gradeCode } from './code-grade.ts';
import { createLocalPythonRunner } from './local-python-runner.ts';
import { outputsMatch } from './output-compare.ts';

const runner = createLocalPythonRunner('/usr/bin/python3');

describe('outputsMatch (LiveCodeBench rules)', () => {
  it('strips, compares line by line, and compares decimals exactly', () => {
    expect(outputsMatch('1 2\n3\n\n', '1 2\n3')).toBe(true);
    expect(outputsMatch('  1 2  \n 3', '1 2\n3')).toBe(true);
    expect(outputsMatch('0.50 1e2', '0.5 100')).toBe(true);
    expect(outputsMatch('0.5000001', '0.5')).toBe(false);
    expect(outputsMatch('1\n2', '1 2')).toBe(false);
    expect(outputsMatch('yes', 'YES')).toBe(false);
  });
});

describe('extractFinalCode', () => {
  it('takes the last python block after </think>', () => {
    const text = '<think>```python\nprint(0)\n```</think>Try:\n```python\nprint(1)\n```\nthen\n```python\nprint(2)\n```\n';
    expect(extractFinalCode(text)).toBe('print(2)');
    expect(extractFinalCode('no code')).toBeNull();
  });

  it('takes a block left open at EOS as the answer only when asked (EOS-ended responses)', () => {
    const text = '<think>```python\nprint(0)\n```</think>Draft:\n```python\nprint(1)\n```\nFinal:\n```python3  \nprint(2)\n';
    expect(extractFinalCode(text, { openAtEnd: true })).toBe('print(2)');
    expect(extractFinalCode(text)).toBe('print(1)');
    expect(extractFinalCode('</think>```py\nx = 1\nprint(x)', { openAtEnd: true })).toBe('x = 1\nprint(x)');
    // An open fence with nothing after it is no answer; neither is an open block of another language.
    expect(extractFinalCode('</think>```python\n', { openAtEnd: true })).toBeNull();
    expect(extractFinalCode('</think>```python\nprint(1)\n```\n```cpp\nint main(){}', { openAtEnd: true })).toBe('print(1)');
  });
});

describe('gradeCode with a real interpreter', () => {
  const stdinTests: CodeTest[] = [
    { type: 'stdin', input: '3\n1 2 3\n', output: '6\n' },
    { type: 'stdin', input: '2\n10 -4\n', output: '6' },
  ];

  it('passes a correct stdin solution', async () => {
    const code = 'n = int(input())\nprint(sum(map(int, input().split())))';
    expect(await gradeCode(code, stdinTests, runner)).toMatchObject({ passed: true, testsRun: 2, firstFailure: null });
  });

  it('records the first failing test and why', async () => {
    const wrong = await gradeCode('n = int(input())\nprint(n)', stdinTests, runner);
    expect(wrong.passed).toBe(false);
    expect(wrong.firstFailure).toMatchObject({ index: 0, why: 'wrong_output' });
    const crash = await gradeCode('raise ValueError("boom")', stdinTests, runner);
    expect(crash.firstFailure).toMatchObject({ index: 0, why: 'runtime_error' });
    expect(crash.firstFailure?.detail).toContain('boom');
  });

  it('enforces the per-test time limit', async () => {
    const slow = await gradeCode('while True: pass', stdinTests, runner, { testTimeoutMs: 500 });
    expect(slow.firstFailure).toMatchObject({ index: 0, why: 'timeout' });
  });

  it('runs function-call tests on a Solution class or a plain function', async () => {
    const tests: CodeTest[] = [
      { type: 'functional', fnName: 'twoSum', args: [[2, 7, 11, 15], 9], expected: [0, 1] },
      { type: 'functional', fnName: 'twoSum', args: [[3, 3], 6], expected: [0, 1] },
    ];
    const cls =
      'class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen: return (seen[target - x], i)\n            seen[x] = i\n';
    expect(await gradeCode(cls, tests, runner)).toMatchObject({ passed: true });
    const fn = 'def twoSum(nums, target):\n    return [0, 0]\n';
    expect((await gradeCode(fn, tests, runner)).firstFailure).toMatchObject({ index: 0, why: 'wrong_output' });
    const missing = await gradeCode('x = 1', tests, runner);
    expect(missing.firstFailure).toMatchObject({ why: 'runtime_error' });
  });
});
