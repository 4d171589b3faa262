import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { InfrastructureUnavailableError } from '@rft/contracts';
import { assertSafeKey, type ObjectStore } from './object-store.ts';

export interface S3Settings {
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Path-style addressing: needed by most self-hosted servers (MinIO, s3rver). */
  forcePathStyle: boolean;
  /** Prepended to every key: isolates tests and deployments sharing a bucket. */
  prefix?: string | undefined;
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    // Recent SDKs add CRC32 checksum trailers by default, which several S3-compatible servers
    // store as part of the body or reject. Checksums only when the operation requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 4,
  });
}

function isNotFound(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    return error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound';
  }
  return false;
}

const TRANSIENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/**
 * An S3 error the whole store shares (5xx, throttling, unreachable) becomes an
 * InfrastructureUnavailableError naming the operation, key, error code and HTTP status, so jobs
 * wait for the store instead of spending attempts. Anything else (403, a bad key) is rethrown as is.
 */
export function classifyStoreError(error: unknown, operation: string, key: string): unknown {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (status >= 500 || status === 429 || error.name === 'SlowDown' || error.name === 'RequestTimeout') {
      return new InfrastructureUnavailableError('object-store', `object store ${operation} ${key} failed: ${error.name} (HTTP ${status})`, {
        cause: error,
      });
    }
    return error;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if ((typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new InfrastructureUnavailableError(
      'object-store',
      `object store ${operation} ${key} failed: ${String(code ?? name)} (${(error as Error).message})`,
      { cause: error },
    );
  }
  return error;
}

async function classified<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw classifyStoreError(error, operation, key);
  }
}

export function createS3ObjectStore(client: S3Client, settings: Pick<S3Settings, 'bucket' | 'prefix'>): ObjectStore {
  const prefix = settings.prefix ? settings.prefix.replace(/\/+$/, '') + '/' : '';
  const full = (key: string) => {
    assertSafeKey(key);
    return prefix + key;
  };
  const bucket = settings.bucket;

  async function getBytes(key: string, range?: string): Promise<Uint8Array | null> {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key), Range: range }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw classifyStoreError(error, 'get', key);
    }
  }

  return {
    bucket,
    async put(key, body, opts) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await classified('put', key, () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: full(key),
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: opts?.contentType ?? 'application/octet-stream',
          }),
        ),
      );
    },
    get: (key) => getBytes(key),
    getRange: (key, start, end) => getBytes(key, `bytes=${start}-${end ?? ''}`),
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: full(key) }));
        return { size: out.ContentLength ?? 0 };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw classifyStoreError(error, 'head', key);
      }
    },
    async *list(listPrefix) {
      let token: string | undefined;
      do {
        const out = await classified('list', listPrefix, () =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + listPrefix, ContinuationToken: token })),
        );
        for (const item of out.Contents ?? []) {
          if (item.Key)
            yield {
              key: item.Key.slice(prefix.length),
              size: item.Size ?? 0,
              ...(item.LastModified ? { lastModified: item.LastModified } : {}),
            };
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        if (chunk.length === 0) continue;
        await classified('delete', chunk[0]!, () =>
          client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: chunk.map((key) => ({ Key: full(key) })), Quiet: true },
            }),
          ),
        );
      }
    },
  };
}

/** Creates the bucket when it does not exist yet (idempotent). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!isNotFound(error) && !(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403)) throw error;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
