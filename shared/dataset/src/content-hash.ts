import { createHash } from 'node:crypto';
import type { DatasetManifest } from './manifest.ts';
import { TamperedShardError } from './errors.ts';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** JSON with object keys sorted, so hashes do not depend on insertion order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      const obj = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(obj)
          .sort()
          .map((k) => [k, obj[k]]),
      );
    }
    return v;
  });
}

/** Everything a manifest's content hash covers: all of it but the id, the hash and the time it was written. */
export type ManifestBody = Omit<DatasetManifest, 'datasetId' | 'contentSha256' | 'createdAt'>;

/**
 * The canonical identity of a dataset version: sha256 of the manifest body as stable JSON (it lists
 * every file's sha256 and the provenance), and the id derived from it (`ds-` + 24 hex).
 */
export function manifestIdentity(body: ManifestBody): { contentSha256: string; datasetId: string } {
  const contentSha256 = sha256Hex(stableJson(body));
  return { contentSha256, datasetId: `ds-${contentSha256.slice(0, 24)}` };
}

/** Recomputes the manifest's content hash, so an edited manifest is caught as well as an edited shard. */
export function verifyManifestContent(manifest: DatasetManifest): void {
  const { datasetId, contentSha256, createdAt: _createdAt, ...body } = manifest;
  const actual = manifestIdentity(body).contentSha256;
  if (actual !== contentSha256 || !contentSha256.startsWith(datasetId.slice(3))) {
    throw new TamperedShardError(datasetId, 'manifest.json', contentSha256, actual);
  }
}
