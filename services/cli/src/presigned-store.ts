import type { ObjectStore } from '@rft/storage';
import type { ApiClient } from './api-client.ts';

/**
 * A read-only object store over the API's presigned download links for one dataset version, so the
 * curator's verified, resumable pull runs from a laptop that holds an API token but no S3
 * credentials. Links are fetched again once if they expire mid-download.
 */
export function presignedDatasetStore(api: ApiClient, datasetId: string): ObjectStore {
  let listing: Promise<Map<string, { size: number; url: string }>> | undefined;
  const load = (refresh = false) => {
    if (!listing || refresh) {
      listing = api
        .data(api.GET('/v1/datasets/{id}/download', { params: { path: { id: datasetId } } }))
        .then((res) => new Map(res.files.map((f) => [f.key, { size: f.size, url: f.url }])));
    }
    return listing;
  };
  const fetchKey = async (key: string, range?: string): Promise<Uint8Array | null> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = (await load(attempt > 0)).get(key);
      if (!entry) return null;
      const res = await fetch(entry.url, range ? { headers: { range } } : {});
      if (res.status === 404) return null;
      // An expired link answers 403: list again for fresh links, once.
      if (res.status === 403 && attempt === 0) continue;
      if (!res.ok) throw new Error(`download of ${key} failed: ${res.status} ${res.statusText}`);
      return new Uint8Array(await res.arrayBuffer());
    }
    throw new Error(`download of ${key} refused twice; the API's download links may be misconfigured`);
  };
  const readOnly = () => Promise.reject(new Error('the presigned dataset store is read-only'));
  return {
    bucket: `api:${datasetId}`,
    get: (key) => fetchKey(key),
    getRange: (key, start, end) => fetchKey(key, `bytes=${start}-${end ?? ''}`),
    async head(key) {
      const entry = (await load()).get(key);
      return entry ? { size: entry.size } : null;
    },
    async *list(prefix) {
      for (const [key, { size }] of await load()) if (key.startsWith(prefix)) yield { key, size };
    },
    put: readOnly,
    delete: readOnly,
  };
}
