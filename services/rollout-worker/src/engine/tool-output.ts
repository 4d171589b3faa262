/** How an execution result reads to the model: an ```output fence, as in NeMo-Skills' qwen format. */
import type { ExecutionResult } from '@rft/contracts';

export const OUTPUT_OPEN = '```output\n';
export const OUTPUT_CLOSE = '```\n';

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n... [${text.length - 2 * half} characters cut] ...\n${text.slice(-half)}`;
}

export function formatToolOutput(result: ExecutionResult, timeoutMs: number, maxChars = 4_000): string {
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
  return `${OUTPUT_OPEN}${body}\n${OUTPUT_CLOSE}`;
}

export function toolLimitNotice(maxCalls: number): string {
  return `${OUTPUT_OPEN}Code execution skipped: the limit of ${maxCalls} tool calls is reached. Continue reasoning without running code.\n${OUTPUT_CLOSE}`;
}

function lastLines(text: string, n: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
