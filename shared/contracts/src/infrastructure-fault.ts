/**
 * A resource every item depends on (the inference replicas, the sandbox, the object store) cannot serve right
 * now. Nothing is wrong with the item: its job waits and is retried without spending an attempt.
 */
export type SharedResource = 'inference' | 'sandbox' | 'object-store';

export class InfrastructureUnavailableError extends Error {
  override readonly name = 'InfrastructureUnavailableError';
  readonly resource: SharedResource;
  constructor(resource: SharedResource, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.resource = resource;
  }
}

/** The infrastructure fault behind `error` (itself or anywhere in its `cause` chain), if any. */
export function infrastructureFaultOf(error: unknown): InfrastructureUnavailableError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof InfrastructureUnavailableError) return e;
  }
  return null;
}
