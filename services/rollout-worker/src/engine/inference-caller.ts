import { withDeadline } from './abort-deadline.ts';
/**
 * One generate call with retries: takes a slot on the key's replica, bounds the call by a deadline,
 * retries 5xx / 429 / timeouts / resets with full-jitter exponential backoff (on whatever replica the
 * key routes to by then), and reports replica health to the pool.
 */
import type { Agent } from 'undici';
import { requestCompletion, type CompletionParams, type CompletionResult } from './completion-client.ts';
import { InferenceError, RetryLaterError } from './engine-errors.ts';
import type { EngineMetrics } from './engine-metrics.ts';
import { type Lease, NoReplicaAvailableError, type ReplicaPool } from './replica-pool.ts';

export interface RetryOptions {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  requestTimeoutMs: number;
}

export interface GenerateOutcome {
  result: CompletionResult;
  replica: string;
  latencyMs: number;
  attempts: number;
}

export async function generateWithRetry(
  deps: { pool: ReplicaPool; agent: Agent; metrics: EngineMetrics; retry: RetryOptions },
  key: string,
  params: CompletionParams,
  signal: AbortSignal,
): Promise<GenerateOutcome> {
  const { pool, agent, metrics, retry } = deps;
  for (let attempt = 1; ; attempt++) {
    let lease: Lease;
    try {
      lease = await pool.acquire(key, signal);
    } catch (error) {
      if (error instanceof NoReplicaAvailableError) throw new RetryLaterError(error.message, 5_000, { cause: error });
      throw error;
    }
    const started = performance.now();
    try {
      const result = await withDeadline(signal, retry.requestTimeoutMs, (deadline) =>
        requestCompletion(agent, lease.replica, params, deadline),
      );
      const latencyMs = performance.now() - started;
      lease.release('ok');
      metrics.requestSeconds.observe({ replica: lease.replica }, latencyMs / 1000);
      return { result, replica: lease.replica, latencyMs, attempts: attempt };
    } catch (error) {
      if (!(error instanceof InferenceError)) {
        lease.release('neutral');
        throw error;
      }
      metrics.errors.inc({ kind: error.kind });
      if (error.kind === 'aborted' || signal.aborted) {
        lease.release('neutral');
        throw signal.reason ?? error;
      }
      // A 4xx is about the request, not the replica.
      lease.release(error.kind === 'http_4xx' ? 'ok' : 'failure', `${error.kind}: ${error.message}`);
      if (!error.retryable || attempt >= retry.maxAttempts) throw error;
      const cap = Math.min(retry.backoffMaxMs, retry.backoffBaseMs * 2 ** (attempt - 1));
      await sleep(Math.random() * cap, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
