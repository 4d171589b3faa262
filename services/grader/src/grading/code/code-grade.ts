import type { CodeTest, ExecutionResult, PythonRunner } from '@rft/contracts';
import { outputsMatch } from './output-compare.ts';

export interface CodeGradeOptions {
  /** Wall-clock limit per test (default 6000 ms). */
  testTimeoutMs?: number;
  memoryMb?: number;
}

export type TestFailure = 'wrong_output' | 'runtime_error' | 'timeout' | 'memory' | 'output_limit' | 'sandbox_error' | 'bad_result';

export interface CodeGradeResult {
  passed: boolean;
  testsRun: number;
  testsTotal: number;
  firstFailure: { index: number; type: CodeTest['type']; why: TestFailure; detail: string } | null;
}

const RESULT_MARK = '\u0001RFT-RESULT\u0001';

/** Wrap the solution so a function-call test reads JSON arguments from stdin and prints the JSON result. */
export function functionalHarness(code: string, fnName: string): string {
  return `${code}

import json as __rft_json, sys as __rft_sys
__rft_args = __rft_json.loads(__rft_sys.stdin.read())
__rft_fn = None
if 'Solution' in globals():
    __rft_fn = getattr(globals()['Solution'](), ${JSON.stringify(fnName)}, None)
if __rft_fn is None:
    __rft_fn = globals().get(${JSON.stringify(fnName)})
if __rft_fn is None:
    raise NameError(${JSON.stringify(`function ${fnName} is not defined`)})
__rft_res = __rft_fn(*__rft_args)
__rft_sys.stdout.write(${JSON.stringify(RESULT_MARK)} + __rft_json.dumps(__rft_res))
`;
}

function failureOf(r: ExecutionResult): TestFailure | null {
  switch (r.status) {
    case 'ok':
      return null;
    case 'error':
      return 'runtime_error';
    case 'timeout':
    case 'killed':
      return 'timeout';
    case 'memory':
      return 'memory';
    case 'output_limit':
      return 'output_limit';
    case 'sandbox_error':
    case 'busy':
      return 'sandbox_error';
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

const tail = (s: string, n = 400): string => (s.length > n ? `...${s.slice(-n)}` : s);

/** Run every test (stopping at the first failure); correct only when all pass. */
export async function gradeCode(
  code: string,
  tests: readonly CodeTest[],
  runner: PythonRunner,
  options: CodeGradeOptions = {},
): Promise<CodeGradeResult> {
  const limits = { timeoutMs: options.testTimeoutMs ?? 6000, memoryMb: options.memoryMb ?? 1024, maxOutputBytes: 4 * 1024 * 1024 };
  let index = 0;
  for (const test of tests) {
    const request =
      test.type === 'stdin'
        ? { code, stdin: test.input, limits }
        : { code: functionalHarness(code, test.fnName), stdin: JSON.stringify(test.args), limits };
    const result = await runner.run(request);
    const why = failureOf(result);
    const fail = (w: TestFailure, detail: string): CodeGradeResult => ({
      passed: false,
      testsRun: index + 1,
      testsTotal: tests.length,
      firstFailure: { index, type: test.type, why: w, detail },
    });
    if (why) return fail(why, tail(result.stderr || result.stdout));
    if (test.type === 'stdin') {
      if (!outputsMatch(result.stdout, test.output))
        return fail('wrong_output', `expected ${tail(JSON.stringify(test.output), 200)}, got ${tail(JSON.stringify(result.stdout), 200)}`);
    } else {
      const at = result.stdout.lastIndexOf(RESULT_MARK);
      if (at < 0) return fail('bad_result', 'no result printed');
      let got: unknown;
      try {
        got = JSON.parse(result.stdout.slice(at + RESULT_MARK.length));
      } catch {
        return fail('bad_result', 'result is not JSON serializable');
      }
      const expected = JSON.parse(JSON.stringify(test.expected ?? null)) as unknown;
      if (!deepEqual(got, expected))
        return fail('wrong_output', `expected ${tail(JSON.stringify(expected), 200)}, got ${tail(JSON.stringify(got), 200)}`);
    }
    index++;
  }
  return { passed: true, testsRun: tests.length, testsTotal: tests.length, firstFailure: null };
}
