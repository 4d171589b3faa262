import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Presigned GET URLs for keys of an object store (keys relative to its prefix, as the store sees them). */
export function createS3Presigner(client: S3Client, settings: { bucket: string; prefix?: string | undefined }) {
  const prefix = settings.prefix ? settings.prefix.replace(/\/+$/, '') + '/' : '';
  return (key: string, expiresInSeconds: number): Promise<string> =>
    getSignedUrl(client, new GetObjectCommand({ Bucket: settings.bucket, Key: prefix + key }), { expiresIn: expiresInSeconds });
}

/** Presigned PUT URLs, so a large question file goes straight to the object store, not through the API. */
export function createS3UploadPresigner(client: S3Client, settings: { bucket: string; prefix?: string | undefined }) {
  const prefix = settings.prefix ? settings.prefix.replace(/\/+$/, '') + '/' : '';
  return (key: string, expiresInSeconds: number): Promise<string> =>
    getSignedUrl(client, new PutObjectCommand({ Bucket: settings.bucket, Key: prefix + key }), { expiresIn: expiresInSeconds });
}
