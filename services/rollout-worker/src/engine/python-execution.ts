/** Runs one python block for the loop; an unavailable sandbox is retried, then the whole job is retried later. */
import type { ExecutionResult } from '@rft/contracts';
import { RetryLaterError } from './engine-errors.ts';
import type { LoopDeps } from './rollout-context.ts';

export async function executeBlock(
  deps: LoopDeps,
  code: string,
  timeoutMs: number,
  sessionId: string | undefined,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  let lastProblem = '';
  for (let attempt = 1; attempt <= deps.options.sandboxAttempts; attempt++) {
    signal.throwIfAborted();
    try {
      const result = await deps.sandbox.run({ code, limits: { timeoutMs }, ...(sessionId ? { sessionId } : {}) }, signal);
      if (result.status !== 'busy' && result.status !== 'sandbox_error') return result;
      lastProblem = `${result.status}: ${result.stderr.slice(0, 200)}`;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastProblem = (error as Error).message;
    }
    deps.metrics.errors.inc({ kind: 'sandbox' });
    if (attempt < deps.options.sandboxAttempts) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt * Math.random()));
  }
  throw new RetryLaterError(`python sandbox unavailable after ${deps.options.sandboxAttempts} attempts: ${lastProblem}`, 5_000, {
    resource: 'sandbox',
  });
}
