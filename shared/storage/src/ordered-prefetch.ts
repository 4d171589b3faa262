/**
 * Runs `fetch` over `items` with at most `window` calls in flight and yields the results in the
 * items' order: object-store reads overlap their latency instead of paying it once per item.
 *
 * A failed fetch surfaces when its turn comes (never as an unhandled rejection). However the
 * iteration ends (done, a failure, or a consumer that stops early), no call outlives it: the ones
 * still running are awaited, and none is started after.
 */
export async function* prefetchOrdered<T, R>(items: readonly T[], fetch: (item: T) => Promise<R>, window: number): AsyncGenerator<R> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window: must be a positive integer, got ${window}`);
  const pending: Promise<R>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < items.length && pending.length < window) {
      const call = fetch(items[next++]!);
      call.catch(() => {}); // observed here; the rejection itself is rethrown when its turn comes
      pending.push(call);
    }
  };
  try {
    fill();
    while (pending.length > 0) {
      const value = await pending.shift()!;
      fill();
      yield value;
    }
  } finally {
    await Promise.allSettled(pending);
  }
}
