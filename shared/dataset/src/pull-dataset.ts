import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { InputError, parseOrThrow } from '@rft/contracts';
import { objectKeys, prefetchOrdered, type ObjectStore } from '@rft/storage';
import { verifyManifestContent } from './content-hash.ts';
import { DatasetNotFoundError, TamperedShardError } from './errors.ts';
import { DatasetManifest, type DatasetFile, type DatasetFormat } from './manifest.ts';

export interface PullDatasetOptions {
  store: ObjectStore;
  datasetId: string;
  outDir: string;
  /** Which files to fetch; `parquet` (canonical shards) by default. */
  format?: DatasetFormat;
  /** Size of each range GET; a partial download resumes at a chunk boundary. Default 8 MiB. */
  chunkBytes?: number;
  /** Files downloaded at once (one range GET each at a time). Default 4. */
  filesInFlight?: number;
}

/**
 * A 1M-row export is hundreds of shards, and a training launch waits for them with its GPUs
 * reserved: one file at a time would pay each file's latency and one connection's throughput in turn.
 */
export const FILES_IN_FLIGHT = 4;

export type PulledFileAction = 'downloaded' | 'resumed' | 'already-present';

export interface PullDatasetResult {
  datasetId: string;
  format: DatasetFormat;
  /** Absolute path of the local copy; `manifest.json` sits at its root. */
  dir: string;
  manifest: DatasetManifest;
  files: (DatasetFile & { action: PulledFileAction; bytesFetched: number })[];
}

const PARTIAL_SUFFIX = '.partial';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** Reads and verifies a version's manifest (schema, id, content hash). */
export async function readManifest(store: ObjectStore, datasetId: string): Promise<DatasetManifest> {
  if (!/^ds-[0-9a-f]{16,64}$/.test(datasetId)) {
    throw new InputError(`datasetId: ${JSON.stringify(datasetId)} is not a dataset id (ds- followed by hex)`);
  }
  const key = `${objectKeys.datasetPrefix(datasetId)}/manifest.json`;
  const bytes = await store.get(key);
  if (!bytes)
    throw new DatasetNotFoundError(
      `dataset ${datasetId}: no ${key} in bucket ${store.bucket} (unknown id, or the version was never completed)`,
    );
  const manifest = parseOrThrow(DatasetManifest, JSON.parse(Buffer.from(bytes).toString('utf8')), key);
  if (manifest.datasetId !== datasetId) {
    throw new TamperedShardError(datasetId, 'manifest.json', datasetId, manifest.datasetId);
  }
  verifyManifestContent(manifest);
  return manifest;
}

/**
 * Downloads one export of a dataset version, verifying every file's sha256 against the manifest.
 * Interrupted downloads leave `<file>.partial` and resume with range GETs; a file that does not hash
 * to the manifest is deleted and refused with a TamperedShardError.
 */
export async function pullDataset(opts: PullDatasetOptions): Promise<PullDatasetResult> {
  const format = opts.format ?? 'parquet';
  const chunkBytes = opts.chunkBytes ?? 8 * 1024 * 1024;
  const manifest = await readManifest(opts.store, opts.datasetId);
  const dir = resolve(opts.outDir);
  await mkdir(dir, { recursive: true });
  const prefix = objectKeys.datasetPrefix(opts.datasetId);
  const targets = manifest.exports[format].files.map((file) => {
    const local = resolve(dir, file.path);
    if (!local.startsWith(dir + sep)) throw new TamperedShardError(opts.datasetId, file.path, 'a relative path', file.path);
    return { file, local };
  });
  const pulls = prefetchOrdered(
    targets,
    async ({ file, local }) => ({
      ...file,
      ...(await pullFile(opts.store, opts.datasetId, `${prefix}/${file.path}`, file, local, chunkBytes)),
    }),
    opts.filesInFlight ?? FILES_IN_FLIGHT,
  );
  const files: PullDatasetResult['files'] = [];
  for await (const pulled of pulls) files.push(pulled);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { datasetId: opts.datasetId, format, dir, manifest, files };
}

async function pullFile(
  store: ObjectStore,
  datasetId: string,
  key: string,
  file: DatasetFile,
  local: string,
  chunkBytes: number,
): Promise<{ action: PulledFileAction; bytesFetched: number }> {
  if ((await sizeOf(local)) === file.bytes && (await sha256File(local)) === file.sha256) {
    return { action: 'already-present', bytesFetched: 0 };
  }
  await mkdir(dirname(local), { recursive: true });
  const head = await store.head(key);
  if (!head) throw new DatasetNotFoundError(`dataset ${datasetId}: ${file.path} is listed in the manifest but missing from the store`);
  if (head.size !== file.bytes) {
    throw new TamperedShardError(datasetId, file.path, `${file.sha256} (${file.bytes} bytes)`, `unknown (${head.size} bytes stored)`);
  }
  const partial = local + PARTIAL_SUFFIX;
  let have = (await sizeOf(partial)) ?? 0;
  if (have > file.bytes) {
    await rm(partial, { force: true });
    have = 0;
  }
  const resumed = have > 0;
  let fetched = 0;
  for (let attempt = 0; ; attempt++) {
    while (have < file.bytes) {
      const end = Math.min(file.bytes, have + chunkBytes) - 1;
      const bytes = await store.getRange(key, have, end);
      if (!bytes) throw new DatasetNotFoundError(`dataset ${datasetId}: ${file.path} disappeared from the store during download`);
      if (bytes.byteLength !== end - have + 1) {
        throw new Error(`dataset ${datasetId}: range ${have}-${end} of ${file.path} returned ${bytes.byteLength} bytes`);
      }
      await appendFile(partial, bytes);
      have += bytes.byteLength;
      fetched += bytes.byteLength;
    }
    const actual = await sha256File(partial);
    if (actual === file.sha256) break;
    await rm(partial, { force: true });
    // A resumed download may have joined a stale local prefix: retry once from zero before blaming the store.
    if (!resumed || attempt > 0) throw new TamperedShardError(datasetId, file.path, file.sha256, actual);
    have = 0;
  }
  await rename(partial, local);
  return { action: resumed ? 'resumed' : 'downloaded', bytesFetched: fetched };
}
