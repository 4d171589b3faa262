import { parseEndpointAllowlist, type EndpointAllowlist } from '@rft/contracts';
import type { StoreAddress } from '@rft/dataset';
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
  /**
   * Where the store's keys live (bucket, key prefix, endpoint), so responses can give an object's
   * `s3://` URI and HTTP URL. @defaultValue the store's bucket, no prefix, AWS S3
   */
  storeAddress?: StoreAddress;
  log: Logger;
  /** Metrics registry served at /metrics; one is created when absent. */
  registry?: Registry;
  options?: Partial<ApiOptions>;
}

export interface ApiOptions {
  /** Largest request body of any route but campaign submission. @defaultValue 1 MiB */
  maxBodyBytes: number;
  /**
   * Largest campaign submission (POST /v1/campaigns), whose question file may be posted inline;
   * larger files go through a presigned upload (POST /v1/uploads). @defaultValue 16 MiB
   */
  maxInlineQuestionsBytes: number;
  /**
   * Hosts and networks a campaign's `model.endpoints` may name (INFERENCE_ENDPOINT_ALLOWLIST); the
   * rollout worker checks again before it calls. @defaultValue empty: campaigns may not name endpoints
   */
  endpointAllowlist: EndpointAllowlist;
  /** Largest question file registered by `questionsKey`, after decompression. @defaultValue 1 GiB */
  maxQuestionFileBytes: number;
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
  maxBodyBytes: 1024 * 1024,
  maxInlineQuestionsBytes: 16 * 1024 * 1024,
  endpointAllowlist: parseEndpointAllowlist(''),
  maxQuestionFileBytes: 1024 * 1024 * 1024,
  downloadUrlTtlSeconds: 3600,
  queueBoard: true,
  statusCacheMs: 5000,
  validateResponses: false,
};
