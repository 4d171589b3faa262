import { assertNever } from '@rft/contracts';

/** Errors the engine throws to its caller. Everything that concerns one sample only becomes an error trajectory instead. */

/** No replica (or no sandbox) can serve right now: retry the job later; nothing about the sample is wrong. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  readonly retryAfterMs: number;
  /** What is down: the inference replicas or the python sandbox. */
  readonly resource: 'inference' | 'sandbox';
  constructor(message: string, retryAfterMs = 5_000, options?: { cause?: unknown; resource?: 'inference' | 'sandbox' }) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
    this.resource = options?.resource ?? 'inference';
  }
}

/** What went wrong with one HTTP call to a replica, and whether trying again can help. */
export type InferenceFailureKind = 'http_5xx' | 'http_429' | 'http_4xx' | 'timeout' | 'connection' | 'malformed_response' | 'aborted';

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  readonly kind: InferenceFailureKind;
  readonly status: number | null;
  readonly replica: string;
  constructor(kind: InferenceFailureKind, replica: string, message: string, status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.status = status;
    this.replica = replica;
  }

  /** Worth another attempt (possibly on another replica). */
  get retryable(): boolean {
    switch (this.kind) {
      case 'http_5xx':
      case 'http_429':
      case 'timeout':
      case 'connection':
        return true;
      case 'http_4xx':
      case 'malformed_response':
      case 'aborted':
        return false;
      default:
        return assertNever(this.kind, 'inference failure kind');
    }
  }
}
