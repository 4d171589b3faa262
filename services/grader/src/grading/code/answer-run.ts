import type { ToolCallReport } from '../detectors/tool-errors.ts';
import { extractFinalCode } from './code-extract.ts';

/** A program as written, without its fence, line-end styles, trailing spaces or blank lines. */
export function normaliseProgram(code: string): string {
  return code
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}

/**
 * Why the failed last tool call of a code question says nothing about the sample, or null when it does.
 * Models without an end of thinking (QwQ-32B-Preview) have every closed python block run as a tool call,
 * the final program included; run without standard input it fails. The tests, which give it its input,
 * decide its correctness, so such a failure is not a tool error:
 * - `answer_program`: the failed call is the final answer program itself;
 * - `no_input`: the failed call read standard input and found none (`EOFError`).
 */
export function answerRunWithoutInput(tools: ToolCallReport, finalCode: string | null): 'answer_program' | 'no_input' | null {
  if (!tools.lastFailed || tools.unfinishedCall || finalCode === null) return null;
  const called = tools.lastFailedCode === null ? null : extractFinalCode(tools.lastFailedCode);
  if (called !== null && normaliseProgram(called) === normaliseProgram(finalCode)) return 'answer_program';
  return tools.lastFailedOnEof ? 'no_input' : null;
}
