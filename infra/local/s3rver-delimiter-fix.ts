// s3rver 3.7 answers a delimiter listing with nothing when every key sits two or more levels below
// the prefix: its directory walk prunes a sub-directory as soon as the part below the prefix holds a
// delimiter, before any key under it has recorded the common prefix. So `aws s3 ls s3://rft/` (prefix
// "", delimiter "/") got KeyCount 0 for a bucket holding only datasets/<id>/... objects. This lists
// without the delimiter and groups common prefixes itself, as S3 does. Development only.
// @ts-expect-error s3rver ships no types for its store module
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

interface ListOptions {
  delimiter?: string;
  prefix?: string;
  startAfter?: string;
  maxKeys?: number;
}
interface Listed {
  objects: Array<{ key: string }>;
  commonPrefixes: string[];
  isTruncated: boolean;
}

const store = FilesystemStore.prototype as { listObjects(bucket: string, options: ListOptions): Promise<Listed> };
const original = store.listObjects;

store.listObjects = async function listObjects(this: unknown, bucket: string, options: ListOptions): Promise<Listed> {
  const { delimiter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
  if (!delimiter) return original.call(this, bucket, options);
  const all = await original.call(this, bucket, { ...options, delimiter: '', maxKeys: Number.POSITIVE_INFINITY });
  const commonPrefixes = new Set<string>();
  const objects: Listed['objects'] = [];
  for (const object of all.objects) {
    const below = object.key.slice(prefix.length);
    const at = below.indexOf(delimiter);
    if (at === -1) objects.push(object);
    else commonPrefixes.add(prefix + below.slice(0, at + delimiter.length));
  }
  return { objects: objects.slice(0, maxKeys), commonPrefixes: [...commonPrefixes].sort(), isTruncated: objects.length > maxKeys };
};
