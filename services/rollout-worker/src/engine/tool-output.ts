/** How an execution result reads to the model: an ```output fence, as in NeMo-Skills' qwen format. */
import type { ExecutionResult } from '@rft/contracts';

export const OUTPUT_OPEN = '```output\n';
export const OUTPUT_CLOSE = '```\n';

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n... [${text.length - 2 * half} characters cut] ...\n${text.slice(-half)}`;
}

/** `note`: a line of the engine's own after the output, inside the fence (the tool-cap warning). */
export function formatToolOutput(result: ExecutionResult, timeoutMs: number, maxChars = 4_000, note?: string): string {
  let body: string;
  switch (result.status) {
    case 'ok':
      body = result.stdout;
      break;
    case 'error':
      body = [result.stdout, lastLines(result.stderr, 20)].filter((s) => s.trim() !== '').join('\n');
      break;
    case 'timeout':
      body = `${result.stdout}\nTimeoutError: execution exceeded ${timeoutMs} ms`.trimStart();
      break;
    case 'memory':
      body = `${result.stdout}\nMemoryError: execution exceeded its memory limit`.trimStart();
      break;
    case 'output_limit':
      body = `${result.stdout}\n[output cut at the size limit]`;
      break;
    case 'killed':
    case 'sandbox_error':
    case 'busy':
      body = `ExecutionError: ${result.status}${result.stderr ? `: ${lastLines(result.stderr, 5)}` : ''}`;
      break;
  }
  body = clip(body.replace(/\s+$/, ''), maxChars);
  if (note) body = body === '' ? note : `${body}\n\n${note}`;
  return `${OUTPUT_OPEN}${body}\n${OUTPUT_CLOSE}`;
}

/**
 * Said with the output of the last call the cap allows, as CoRT does in the same place (its
 * "[SYSTEM] You have exceeded the allowed number of code executions..." line inside the fence).
 * Worded so no tool-error detector reads it as a failure.
 */
export function lastCallWarning(maxCalls: number): string {
  return `[Note: that was the last of the ${maxCalls} code executions allowed. Code written from now on will not be run; continue solving the problem by reasoning.]`;
}

/** The tool output of a block past the cap: the slot is answered, the code is not run. */
export function toolLimitNotice(maxCalls: number): string {
  return `${OUTPUT_OPEN}Code execution skipped: the limit of ${maxCalls} tool calls is reached. Continue reasoning without running code.\n${OUTPUT_CLOSE}`;
}

function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
