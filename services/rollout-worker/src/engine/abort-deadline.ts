/**
 * Runs `fn` with a signal that aborts when `parent` does or when `ms` pass, and releases both the
 * timer and the listener as soon as `fn` settles. `AbortSignal.any([parent, AbortSignal.timeout(ms)])`
 * does not: each call keeps a timer alive for the whole timeout (30 minutes for inference requests)
 * and a composite signal registered on the long-lived parent, which grows a worker's heap with every
 * request it makes.
 */
export async function withDeadline<T>(parent: AbortSignal, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}
