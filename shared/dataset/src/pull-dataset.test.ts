import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '@rft/storage';
import { TamperedShardError } from './errors.ts';
import { pullDataset } from './pull-dataset.ts';
import { startTestS3, writeTestDataset, type StoredTestDataset, type TestS3 } from './testing/index.ts';

let s3: TestS3;
let built: StoredTestDataset;
let scratch: string;

beforeAll(async () => {
  s3 = await startTestS3();
  scratch = await mkdtemp(join(tmpdir(), 'rft-pull-test-'));
  built = await writeTestDataset(s3.store, { rows: 40, rowsPerShard: 15 });
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Passes everything to the real store, counting range GETs; can fail the n-th one (a dropped connection). */
function observed(store: ObjectStore, failOnRangeCall?: number): ObjectStore & { ranges: [string, number, number | undefined][] } {
  const ranges: [string, number, number | undefined][] = [];
  return {
    ...store,
    bucket: store.bucket,
    get: (k) => store.get(k),
    head: (k) => store.head(k),
    list: (p) => store.list(p),
    put: (k, b, o) => store.put(k, b, o),
    delete: (k) => store.delete(k),
    async getRange(key, start, end) {
      ranges.push([key, start, end]);
      if (ranges.length === failOnRangeCall) throw new Error('connection reset by peer');
      return store.getRange(key, start, end);
    },
    ranges,
  };
}

describe('pullDataset', () => {
  it('downloads every shard of a format and verifies it against the manifest', async () => {
    const out = join(scratch, 'full');
    const result = await pullDataset({ store: s3.store, datasetId: built.datasetId, outDir: out });
    expect(result.files.map((f) => [f.path, f.action])).toEqual([
      ['data/train-00000-of-00003.parquet', 'downloaded'],
      ['data/train-00001-of-00003.parquet', 'downloaded'],
      ['data/train-00002-of-00003.parquet', 'downloaded'],
    ]);
    for (const f of result.files) expect(sha(await readFile(join(out, f.path)))).toBe(f.sha256);
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).datasetId).toBe(built.datasetId);
    // A second pull finds everything in place and fetches nothing.
    const again = await pullDataset({ store: s3.store, datasetId: built.datasetId, outDir: out });
    expect(again.files.every((f) => f.action === 'already-present' && f.bytesFetched === 0)).toBe(true);

    const lf = await pullDataset({ store: s3.store, datasetId: built.datasetId, outDir: join(scratch, 'lf'), format: 'llama-factory' });
    expect(lf.files.map((f) => f.path)).toContain('llama-factory/dataset_info.json');
  });

  it('downloads several files at once and lists them in manifest order', async () => {
    let running = 0;
    let most = 0;
    const store = observed(s3.store);
    const slow: ObjectStore = {
      ...store,
      async getRange(key, start, end) {
        running++;
        most = Math.max(most, running);
        try {
          await new Promise((r) => setTimeout(r, 20));
          return await store.getRange(key, start, end);
        } finally {
          running--;
        }
      },
    };
    const out = join(scratch, 'parallel');
    const result = await pullDataset({ store: slow, datasetId: built.datasetId, outDir: out, format: 'jsonl', filesInFlight: 2 });
    expect(most).toBe(2);
    expect(result.files.map((f) => f.path)).toEqual(built.manifest.exports.jsonl.files.map((f) => f.path));
    for (const f of result.files) expect(sha(await readFile(join(out, f.path)))).toBe(f.sha256);
  });

  it('resumes an interrupted download with range GETs from where it stopped', async () => {
    const out = join(scratch, 'resume');
    const file = built.manifest.exports.trl.files[0]!;
    const chunk = Math.ceil(file.bytes / 4);
    const flaky = observed(s3.store, 3);
    // One file at a time, so the third range GET is the first file's third chunk.
    await expect(
      pullDataset({ store: flaky, datasetId: built.datasetId, outDir: out, format: 'trl', chunkBytes: chunk, filesInFlight: 1 }),
    ).rejects.toThrow(/connection reset/);
    expect((await stat(join(out, file.path + '.partial'))).size).toBe(2 * chunk);

    const store = observed(s3.store);
    const result = await pullDataset({ store, datasetId: built.datasetId, outDir: out, format: 'trl', chunkBytes: chunk });
    expect(result.files[0]).toMatchObject({ action: 'resumed', bytesFetched: file.bytes - 2 * chunk });
    expect(store.ranges.find(([key]) => key.endsWith(file.path))?.[1]).toBe(2 * chunk);
    expect(sha(await readFile(join(out, file.path)))).toBe(file.sha256);
  });

  it('refuses a tampered shard with a clear error and leaves no file behind', async () => {
    const file = built.manifest.exports.parquet.files[1]!;
    const key = `${built.prefix}/${file.path}`;
    const original = (await s3.store.get(key))!;
    const tampered = Uint8Array.from(original);
    tampered[Math.floor(tampered.length / 2)]! ^= 0xff;
    await s3.store.put(key, tampered);
    try {
      const out = join(scratch, 'tampered');
      const error = await pullDataset({ store: s3.store, datasetId: built.datasetId, outDir: out }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TamperedShardError);
      expect((error as Error).message).toBe(
        `dataset ${built.datasetId}: ${file.path} has sha256 ${sha(tampered)} but the manifest records ${file.sha256}; refusing it (the stored object was altered or corrupted)`,
      );
      await expect(stat(join(out, file.path))).rejects.toThrow(/ENOENT/);
      await expect(stat(join(out, file.path + '.partial'))).rejects.toThrow(/ENOENT/);
    } finally {
      await s3.store.put(key, original);
    }
  });

  it('refuses an edited manifest', async () => {
    const key = `${built.prefix}/manifest.json`;
    const original = (await s3.store.get(key))!;
    const manifest = JSON.parse(Buffer.from(original).toString('utf8'));
    manifest.counts.kept += 1;
    await s3.store.put(key, JSON.stringify(manifest));
    try {
      await expect(pullDataset({ store: s3.store, datasetId: built.datasetId, outDir: join(scratch, 'm') })).rejects.toThrow(
        /manifest\.json has sha256 [0-9a-f]{64} but the manifest records/,
      );
    } finally {
      await s3.store.put(key, original);
    }
  });

  it('works as a standalone command with S3 settings from the environment', async () => {
    const cli = fileURLToPath(new URL('./pull-cli.ts', import.meta.url));
    const out = join(scratch, 'cli');
    await mkdir(out, { recursive: true });
    const env = {
      PATH: process.env['PATH'] ?? '',
      S3_ENDPOINT: s3.settings.endpoint,
      S3_BUCKET: s3.settings.bucket,
      S3_PREFIX: s3.settings.prefix ?? '',
      S3_ACCESS_KEY_ID: s3.settings.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.settings.secretAccessKey,
      S3_REGION: s3.settings.region,
    };
    const { stdout } = await promisify(execFile)(process.execPath, [cli, built.datasetId, '-o', out, '--format', 'axolotl'], { env });
    expect(stdout).toContain(`dataset ${built.datasetId} (axolotl, 40 rows) verified`);
    for (const f of built.manifest.exports.axolotl.files) expect(sha(await readFile(join(out, f.path)))).toBe(f.sha256);

    const missing = await promisify(execFile)(process.execPath, [cli, 'ds-0000000000000000', '-o', out], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({ code: 1 });
    expect((missing as { stderr: string }).stderr).toMatch(/dataset ds-0000000000000000: no datasets\/ds-0000000000000000\/manifest.json/);
  });
});
