import type { ExecutionResult } from '@rft/contracts';

/** Refusal to start: the isolation floor is not met. */
export class SandboxStartError extends Error {
  override readonly name = 'SandboxStartError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`sandbox cannot start safely:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

export function noticeResult(status: 'busy' | 'killed' | 'sandbox_error' | 'error', message: string): ExecutionResult {
  return { status, stdout: '', stderr: `[sandbox] ${message}\n`, exitCode: null, wallMs: 0, cpuMs: 0, truncated: false };
}

/** First line of a cell that ran in a fresh interpreter because the session's previous one was lost. */
export function restartNotice(reason: string): string {
  return `[sandbox] the interpreter restarted (${reason}); earlier variables are gone\n`;
}
