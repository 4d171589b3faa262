/** Where a stored object is, in the two forms people paste: an `aws s3` URI and an HTTP URL. */
export interface ObjectLocation {
  /** `s3://bucket/full/key`, for `aws s3 cp` / `aws s3 ls` (add `--endpoint-url` for a self-hosted server). */
  s3Uri: string;
  /** Path-style URL on the configured endpoint (the dev S3), or the bucket's AWS virtual-hosted URL. */
  httpUrl: string;
}

export interface StoreAddress {
  bucket: string;
  /** The store's key prefix (`S3_PREFIX`); keys the services use are relative to it. */
  prefix?: string | undefined;
  /** `S3_ENDPOINT`; absent means AWS S3. */
  endpoint?: string | undefined;
  /** `S3_REGION`, for the AWS URL. @defaultValue us-east-1 */
  region?: string | undefined;
}

/** The full bucket key of a store-relative key, and its locations. */
export function objectLocation(address: StoreAddress, key: string): ObjectLocation {
  if (!address.bucket) throw new Error('bucket: must be a non-empty bucket name');
  const prefix = address.prefix ? address.prefix.replace(/\/+$/, '') + '/' : '';
  const fullKey = prefix + key.replace(/^\/+/, '');
  const encodedKey = fullKey.split('/').map(encodeURIComponent).join('/');
  const httpUrl = address.endpoint
    ? `${address.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(address.bucket)}/${encodedKey}`
    : `https://${address.bucket}.s3.${address.region ?? 'us-east-1'}.amazonaws.com/${encodedKey}`;
  return { s3Uri: `s3://${address.bucket}/${fullKey}`, httpUrl };
}
