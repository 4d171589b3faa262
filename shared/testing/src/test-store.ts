import { createS3Client, createS3ObjectStore, type ObjectStore } from '@rft/storage';
import type { S3Client } from '@aws-sdk/client-s3';

export const TEST_BUCKET = 'rft-test';

export function testS3Settings(endpoint: string, prefix: string) {
  return {
    endpoint,
    region: 'us-east-1',
    bucket: TEST_BUCKET,
    prefix,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
}

/** An object store under a unique key prefix; `cleanup()` deletes everything written there. */
export function createTestStore(endpoint: string, prefix: string): { store: ObjectStore; client: S3Client; cleanup(): Promise<void> } {
  const settings = testS3Settings(endpoint, prefix);
  const client = createS3Client(settings);
  const store = createS3ObjectStore(client, settings);
  return {
    store,
    client,
    async cleanup() {
      const keys: string[] = [];
      for await (const item of store.list('')) keys.push(item.key);
      await store.delete(keys);
      client.destroy();
    },
  };
}
