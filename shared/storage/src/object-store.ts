/** What the services need from an object store; the S3 implementation is the only one. */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: Uint8Array | string, opts?: { contentType?: string }): Promise<void>;
  /** Resolves null when the key does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Bytes `[start, end]` inclusive; for resuming downloads. */
  getRange(key: string, start: number, end?: number): Promise<Uint8Array | null>;
  head(key: string): Promise<{ size: number } | null>;
  /** `lastModified` is absent when the server does not say; callers treat such objects as new. */
  list(prefix: string): AsyncIterable<{ key: string; size: number; lastModified?: Date }>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Keys are relative to a prefix, so tests (and tenants) can share a bucket without seeing each other. */
export function assertSafeKey(key: string): void {
  if (key.length === 0 || key.length > 900) throw new Error(`object key must be 1-900 characters, got ${key.length}`);
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`object key ${JSON.stringify(key)} has an empty, "." or ".." segment or starts with "/"`);
  }
}
