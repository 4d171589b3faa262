import type { Db } from '@rft/db';
import type { JobQueues } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import type { Logger } from '@rft/telemetry';
import type { Registry } from 'prom-client';

export interface ApiDeps {
  db: Db;
  queues: JobQueues;
  store: ObjectStore;
  /** A time-limited GET URL for an object-store key (relative to the store's prefix). */
  presign(key: string, expiresInSeconds: number): Promise<string>;
  /** A time-limited PUT URL for an object-store key; absent means uploads go inline in the request body. */
  presignUpload?(key: string, expiresInSeconds: number): Promise<string>;
  log: Logger;
  /** Metrics registry served at /metrics; one is created when absent. */
  registry?: Registry;
  options?: Partial<ApiOptions>;
}

export interface ApiOptions {
  /** Largest accepted request body (a campaign's questions may be posted inline). @defaultValue 256 MiB */
  maxBodyBytes: number;
  /** Lifetime of presigned download links. @defaultValue 3600 */
  downloadUrlTtlSeconds: number;
  /** Serve the read-only queue board at /admin/queues. @defaultValue true */
  queueBoard: boolean;
  /** How long a campaign's status, cost and chart views are shared between readers; 0 disables. @defaultValue 5000 */
  statusCacheMs: number;
  /** Check every successful answer against its documented response schema (tests turn it on). @defaultValue false */
  validateResponses: boolean;
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  maxBodyBytes: 256 * 1024 * 1024,
  downloadUrlTtlSeconds: 3600,
  queueBoard: true,
  statusCacheMs: 5000,
  validateResponses: false,
};
