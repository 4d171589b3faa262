import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDatasetVersion, loadTokenizer } from '@rft/curator';
import { pullDataset, stableJson, TamperedShardError, type DatasetManifest } from '@rft/dataset';
import { assertSafeKey, objectKeys } from '@rft/storage';
import { createTestStore } from '@rft/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { qwenTokenizerFiles, sampleInfo, sampleRow } from '../../services/curator/src/dataset/test-support.ts';

/**
 * Keys and local paths taken from stored data never leave their prefix or directory, even when a
 * manifest was forged by someone who can write to the bucket and recompute its content hash.
 */
describe('object keys', () => {
  test.each(['../other-tenant/x', 'datasets/../../x', 'a/./b', '/abs/key', 'a//b', 'trailing/', '..', '.', '', 'x'.repeat(901)])(
    '%j is refused',
    (key) => {
      expect(() => assertSafeKey(key)).toThrow(/object key/);
    },
  );

  test.each(['campaigns/c/trajectories/rft/00000001/attempt-1.jsonl.zst', 'datasets/ds-ab/data/train-0.parquet', 'a..b/c..'])(
    '%j is accepted',
    (key) => {
      expect(() => assertSafeKey(key)).not.toThrow();
    },
  );

  test('the store refuses a traversing key before any request', async () => {
    const { store, cleanup } = createTestStore(inject('s3Endpoint'), `test/traversal-${randomUUID()}`);
    await expect(store.put('../escape', 'x')).rejects.toThrow(/object key/);
    await expect(store.get('a/../../escape')).rejects.toThrow(/object key/);
    await expect(store.delete(['ok', '../escape'])).rejects.toThrow(/object key/);
    await cleanup();
  });
});

describe('dataset pull output paths', () => {
  const testStore = createTestStore(inject('s3Endpoint'), `test/pull-traversal-${randomUUID()}`);
  let scratch: string;
  let genuine: DatasetManifest;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'rft-pull-traversal-'));
    const tokenizer = await loadTokenizer(qwenTokenizerFiles());
    const rows = Array.from({ length: 4 }, (_, i) => sampleRow(i + 1));
    const built = await buildDatasetVersion({ store: testStore.store, rows, info: sampleInfo(), tokenizer });
    genuine = built.manifest;
  });
  afterAll(async () => {
    await testStore.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Stores a manifest whose first parquet file path is `path`, with a valid id and content hash. */
  async function forge(path: string): Promise<string> {
    const { datasetId: _id, contentSha256: _sha, createdAt, ...body } = genuine;
    const files = body.exports.parquet.files.map((f, i) => (i === 0 ? { ...f, path } : f));
    const forged = { ...body, exports: { ...body.exports, parquet: { ...body.exports.parquet, files } } };
    const contentSha256 = createHash('sha256').update(stableJson(forged)).digest('hex');
    const datasetId = `ds-${contentSha256.slice(0, 24)}`;
    await testStore.store.put(
      `${objectKeys.datasetPrefix(datasetId)}/manifest.json`,
      JSON.stringify({ ...forged, datasetId, contentSha256, createdAt }),
    );
    return datasetId;
  }

  test.each(['../escaped.parquet', 'data/../../escaped.parquet', '/tmp/escaped.parquet', '..', 'data/../../../../etc/cron.d/x'])(
    'a manifest naming %j is refused and nothing is written outside the output directory',
    async (path) => {
      const datasetId = await forge(path);
      const outer = await mkdtemp(join(scratch, 'case-'));
      const outDir = join(outer, 'out');
      const error = await pullDataset({ store: testStore.store, datasetId, outDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error instanceof TamperedShardError || /path/i.test(String(error))).toBe(true);
      // Only the output directory itself may exist beside nothing else.
      expect((await readdir(outer)).filter((f) => f !== 'out')).toEqual([]);
    },
  );

  test('a dataset id that is not ds-<hex> is refused before any key is built', async () => {
    await expect(pullDataset({ store: testStore.store, datasetId: 'ds-../../x', outDir: join(scratch, 'x') })).rejects.toThrow(
      /datasetId: .* is not a dataset id/,
    );
  });
});
