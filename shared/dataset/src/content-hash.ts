import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { DatasetManifest } from './manifest.ts';
import { TamperedShardError } from './errors.ts';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * How `contentSha256` is computed, recorded in every manifest: sha256 (lowercase hex) of the RFC 8785
 * JSON Canonicalization Scheme serialization of the manifest without `datasetId`, `contentSha256` and
 * `createdAt`. Any JCS implementation (Python `rfc8785`, Go `gowebpki/jcs`, ...) reproduces it.
 */
export const CONTENT_HASH_SCHEME = 'sha256-jcs-rfc8785';

/** RFC 8785 canonical JSON; refuses what JSON cannot represent (undefined at the top, functions). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON representation');
  return text;
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
 * The canonical identity of a dataset version: sha256 of the manifest body's RFC 8785 canonical JSON
 * (it lists every file's sha256 and the provenance; see `CONTENT_HASH_SCHEME`), and the id derived
 * from it (`ds-` + 24 hex).
 */
export function manifestIdentity(body: ManifestBody): { contentSha256: string; datasetId: string } {
  if (body.contentHashScheme !== CONTENT_HASH_SCHEME)
    throw new Error(`contentHashScheme: ${JSON.stringify(body.contentHashScheme)} is not supported (expected ${CONTENT_HASH_SCHEME})`);
  const contentSha256 = sha256Hex(canonicalJson(body));
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
