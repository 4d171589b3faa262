import { describe, expect, it } from 'vitest';
import { createSubprocessPythonRunner } from './subprocess-python-runner.ts';

describe('subprocess python runner', () => {
  const runner = createSubprocessPythonRunner();

  it('runs code and captures stdout', async () => {
    const r = await runner.run({ code: 'from fractions import Fraction\nprint(Fraction(6, 8))\n' });
    expect(r).toMatchObject({ status: 'ok', stdout: '3/4\n', exitCode: 0 });
  });

  it('reports errors with the traceback', async () => {
    const r = await runner.run({ code: 'print(undefined_name)\n' });
    expect(r.status).toBe('error');
    expect(r.stderr).toContain('NameError');
  });

  it('kills code past its time limit', async () => {
    const r = await runner.run({ code: 'while True:\n    pass\n', limits: { timeoutMs: 300 } });
    expect(r.status).toBe('timeout');
  });

  it('caps output', async () => {
    const r = await runner.run({ code: 'print("x" * 100000)\n', limits: { maxOutputBytes: 1000 } });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(1000);
  });
});
