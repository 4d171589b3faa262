/**
 * A short-lived, single-flight cache of per-campaign status views. Computing a view scans the
 * campaign's samples (about 2 s per 320k samples on two shared cores, see bench/campaign-status),
 * so every dashboard tab and `rft status --watch` shares one computation per `ttlMs`. Mutations
 * through the API invalidate the campaign's entry, so an operator sees their own change at once.
 */
export function createStatusCache(opts: { ttlMs: number; now?: () => number; maxEntries?: number }) {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (opts.ttlMs <= 0) return compute();
      const hit = entries.get(key);
      if (hit && now() - hit.at < opts.ttlMs) return hit.value as Promise<T>;
      const value = compute();
      entries.set(key, { at: now(), value });
      // A failed computation is not cached.
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
    /** Drops every entry whose key starts with `prefix` (a campaign id). */
    invalidate(prefix: string): void {
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    },
  };
}

export type StatusCache = ReturnType<typeof createStatusCache>;
