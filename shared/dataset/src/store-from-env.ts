import { InputError } from '@rft/contracts';
import { createS3Client, createS3ObjectStore, type ObjectStore } from '@rft/storage';

/**
 * S3 settings for the standalone pull entry: S3_ENDPOINT, S3_BUCKET, S3_PREFIX, S3_ACCESS_KEY_ID,
 * S3_SECRET_ACCESS_KEY, S3_REGION. Called only from entry points (pull-cli.ts).
 */
export function storeFromEnv(env: Record<string, string | undefined>): { store: ObjectStore; close(): void } {
  const bucket = env['S3_BUCKET'];
  if (!bucket) throw new InputError('S3_BUCKET: required (the bucket holding datasets/<id>/)');
  const endpoint = env['S3_ENDPOINT'] || undefined;
  const settings = {
    endpoint,
    region: env['S3_REGION'] || 'us-east-1',
    bucket,
    accessKeyId: env['S3_ACCESS_KEY_ID'] || undefined,
    secretAccessKey: env['S3_SECRET_ACCESS_KEY'] || undefined,
    // Self-hosted endpoints (MinIO, s3rver, Ceph) need path-style addressing; AWS works with both.
    forcePathStyle: endpoint !== undefined,
    prefix: env['S3_PREFIX'] || undefined,
  };
  const client = createS3Client(settings);
  return { store: createS3ObjectStore(client, settings), close: () => client.destroy() };
}
