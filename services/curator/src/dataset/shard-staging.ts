import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetFile, DatasetFormat } from '@rft/dataset';

/**
 * Shards are staged on local disk while the build streams: the final names
 * (`train-00000-of-0000M`) and the content-addressed prefix are only known at the end.
 */
export interface StagedFile {
  format: DatasetFormat;
  /** Shard index, or -1 for a side file (e.g. `dataset_info.json`). */
  shard: number;
  /** File name extension including the dot. */
  ext: string;
  /** Fixed relative path for side files. */
  fixedPath?: string;
  localPath: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ShardStaging {
  readonly dir: string;
  add(format: DatasetFormat, shard: number, ext: string, body: Uint8Array, rows: number, fixedPath?: string): Promise<void>;
  files(): readonly StagedFile[];
  read(file: StagedFile): Promise<Uint8Array>;
  remove(): Promise<void>;
}

export async function createShardStaging(): Promise<ShardStaging> {
  const dir = await mkdtemp(join(tmpdir(), 'rft-dataset-'));
  const staged: StagedFile[] = [];
  return {
    dir,
    async add(format, shard, ext, body, rows, fixedPath) {
      const localPath = join(dir, `${format}-${shard}${ext}`);
      await writeFile(localPath, body);
      const sha256 = createHash('sha256').update(body).digest('hex');
      staged.push({ format, shard, ext, localPath, rows, bytes: body.byteLength, sha256, ...(fixedPath ? { fixedPath } : {}) });
    },
    files: () => staged,
    read: (file) => readFile(file.localPath),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

const SHARD_DIRS: Record<DatasetFormat, string> = {
  parquet: 'data',
  jsonl: 'jsonl',
  trl: 'trl/data',
  axolotl: 'axolotl',
  'llama-factory': 'llama-factory/data',
};

/** Hub-like relative path: `data/train-00003-of-00008.parquet`. */
export function shardPath(file: StagedFile, shardCount: number): string {
  if (file.fixedPath) return file.fixedPath;
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${SHARD_DIRS[file.format]}/train-${pad(file.shard)}-of-${pad(shardCount)}${file.ext}`;
}

export function toDatasetFile(file: StagedFile, shardCount: number): DatasetFile {
  return { path: shardPath(file, shardCount), rows: file.rows, bytes: file.bytes, sha256: file.sha256 };
}
