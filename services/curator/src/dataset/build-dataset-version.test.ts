import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PROFILE, InputError, MODEL_PROFILES, modelProfileProvenance } from '@rft/contracts';
import { DatasetManifest } from '@rft/dataset';
import { buildDatasetVersion } from './build-dataset-version.ts';
import { loadTokenizer, type Tokenizer } from './tokenizer.ts';
import { qwenTokenizerFiles, sampleInfo, sampleRow, startTestS3, type TestS3 } from './test-support.ts';

let s3: TestS3;
let tokenizer: Tokenizer;
let scratch: string;

beforeAll(async () => {
  s3 = await startTestS3();
  tokenizer = await loadTokenizer(qwenTokenizerFiles());
  scratch = await mkdtemp(join(tmpdir(), 'rft-ds-test-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function queryParquet(bytes: Uint8Array, sql: (file: string) => string): Promise<Record<string, unknown>[]> {
  const file = join(scratch, `${createHash('sha256').update(bytes).digest('hex')}.parquet`);
  await writeFile(file, bytes);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const result = await conn.runAndReadAll(sql(`read_parquet('${file}')`));
    return result.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('buildDatasetVersion', () => {
  it('marks the manifest partial when the campaign had failed items, and only then', async () => {
    const rows = [1, 2].map((i) => sampleRow(i));
    const read = async (prefix: string) =>
      DatasetManifest.parse(JSON.parse(Buffer.from((await s3.store.get(`${prefix}/manifest.json`))!).toString('utf8')));
    const partial = await buildDatasetVersion({ store: s3.store, rows, info: { ...sampleInfo(), failedItems: 3 }, tokenizer });
    expect(await read(partial.prefix)).toMatchObject({ partial: true, failedItems: 3 });
    const whole = await read((await buildDatasetVersion({ store: s3.store, rows, info: sampleInfo(), tokenizer })).prefix);
    expect(whole).not.toHaveProperty('partial');
    expect(whole).not.toHaveProperty('failedItems');
  });

  it('writes Hub-like Parquet shards with nested segments, projections and a manifest, content-addressed', async () => {
    const rows = [1, 2, 3, 4, 5].map((i) => sampleRow(i));
    rows.push(sampleRow(6, { eligible: false }));
    const result = await buildDatasetVersion({ store: s3.store, rows, info: sampleInfo(), tokenizer, rowsPerShard: 2 });
    const m = DatasetManifest.parse(JSON.parse(Buffer.from((await s3.store.get(`${result.prefix}/manifest.json`))!).toString('utf8')));
    expect(m.datasetId).toBe(result.datasetId);
    expect(m.counts).toMatchObject({
      input: 6,
      kept: 5,
      droppedByBuild: { not_eligible: 1 },
      droppedUpstream: { wrong_answer: 12, repetitive: 3 },
    });
    expect(m.model.tokenizer.sha256).toBe(tokenizer.sha256);
    expect(m.model.chatTemplateSha256).toBe(tokenizer.chatTemplateSha256);
    expect(m.exports.parquet.files.map((f) => f.path)).toEqual([
      'data/train-00000-of-00003.parquet',
      'data/train-00001-of-00003.parquet',
      'data/train-00002-of-00003.parquet',
    ]);
    expect(m.exports.parquet.files.map((f) => f.rows)).toEqual([2, 2, 1]);
    expect(m.exports['llama-factory'].files.map((f) => f.path)).toContain('llama-factory/dataset_info.json');
    // The ".\n" + "\n```" seam merges into one token in every sample: counted, and masked.
    expect(m.tokens.straddle).toBe(5);
    expect(m.packing).toMatchObject({ packs: 1, packingFactor: 5 });

    for (const format of ['parquet', 'jsonl', 'trl', 'axolotl', 'llama-factory'] as const) {
      for (const file of m.exports[format].files) {
        const bytes = await s3.store.get(`${result.prefix}/${file.path}`);
        expect(bytes?.byteLength).toBe(file.bytes);
        expect(createHash('sha256').update(bytes!).digest('hex')).toBe(file.sha256);
      }
    }

    // DuckDB (a reader other than ours) sees real nested types, not JSON strings.
    const first = (await s3.store.get(`${result.prefix}/data/train-00000-of-00003.parquet`))!;
    const types = await queryParquet(first, (f) => `select typeof(segments) t, typeof(verdict_metrics) m from ${f} limit 1`);
    expect(types[0]).toEqual({ t: 'STRUCT(kind VARCHAR, "text" VARCHAR, train BOOLEAN)[]', m: 'JSON' });
    const segs = await queryParquet(
      first,
      (f) => `select s.kind, s.train from (select unnest(segments) s from ${f} where id = 'q-0001-s0')`,
    );
    expect(segs).toEqual([
      { kind: 'prompt', train: false },
      { kind: 'model', train: true },
      { kind: 'hint', train: false },
      { kind: 'code', train: true },
      { kind: 'tool_output', train: false },
      { kind: 'model', train: true },
    ]);

    // TRL projection: masks line up with the spans: trained tokens decode to model/code text only.
    const trl = (await s3.store.get(`${result.prefix}/trl/data/train-00000-of-00003.parquet`))!;
    const trlRows = await queryParquet(
      trl,
      (f) => `select id, input_ids, assistant_masks, labels, typeof(assistant_masks) t from ${f} order by id`,
    );
    const row = trlRows[0] as { id: string; input_ids: number[]; assistant_masks: number[]; labels: number[]; t: string };
    expect(row.t).toBe('TINYINT[]');
    expect(row.input_ids.length).toBe(row.assistant_masks.length);
    expect(row.labels.filter((l) => l === -100).length).toBe(row.assistant_masks.filter((x) => x === 0).length);
    const rec = await queryParquet(first, (f) => `select num_tokens, num_train_tokens from ${f} where id = '${row.id}'`);
    expect(rec[0]).toEqual({ num_tokens: row.input_ids.length, num_train_tokens: row.assistant_masks.filter((x) => x === 1).length });

    // Same content again: same id, nothing rewritten.
    const again = await buildDatasetVersion({ store: s3.store, rows: rows.slice(), info: sampleInfo(), tokenizer, rowsPerShard: 2 });
    expect(again).toMatchObject({ datasetId: result.datasetId, existed: true });
    // Different content: different id.
    const other = await buildDatasetVersion({ store: s3.store, rows: rows.slice(0, 4), info: sampleInfo(), tokenizer, rowsPerShard: 2 });
    expect(other.datasetId).not.toBe(result.datasetId);
  });

  it('drops (never truncates) samples over the max length and counts them', async () => {
    async function* rows() {
      yield sampleRow(1);
      yield sampleRow(2, { reasoningRepeat: 400 });
    }
    const result = await buildDatasetVersion({ store: s3.store, rows: rows(), info: sampleInfo(), tokenizer, maxTokens: 512 });
    expect(result.manifest.counts).toMatchObject({ input: 2, kept: 1, droppedByBuild: { too_long: 1 } });
    expect(result.manifest.tokens.perSample.max).toBeLessThanOrEqual(512);
  });

  it('refuses zero rows with a clear error', async () => {
    await expect(buildDatasetVersion({ store: s3.store, rows: [], info: sampleInfo(), tokenizer })).rejects.toThrow(
      /rows: no rows to build a dataset from/,
    );
    await expect(
      buildDatasetVersion({ store: s3.store, rows: [sampleRow(1, { eligible: false })], info: sampleInfo(), tokenizer }),
    ).rejects.toThrow(/all 1 rows were dropped \(not_eligible=1\)/);
  });

  it('refuses a build without a chat template hash', async () => {
    const { tokenizerJsonPath } = qwenTokenizerFiles();
    const bare = await loadTokenizer({ tokenizerJsonPath });
    expect(bare.chatTemplateSha256).toBeNull();
    const error = await buildDatasetVersion({ store: s3.store, rows: [sampleRow(1)], info: sampleInfo(), tokenizer: bare }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/info\.chatTemplateSha256: missing/);
  });

  it('rejects a tokenizer file whose hash does not match the manifest', async () => {
    const files = qwenTokenizerFiles();
    const altered = join(scratch, 'tokenizer.json');
    await writeFile(altered, (await readFile(files.tokenizerJsonPath, 'utf8')).replace('"NFC"', '"NFKC"'));
    await expect(loadTokenizer({ tokenizerJsonPath: altered, expectedSha256: tokenizer.sha256 })).rejects.toThrow(
      new RegExp(`has sha256 [0-9a-f]{64} but ${tokenizer.sha256} is expected`),
    );
  });

  it('records the model profile and tool-state counts in the manifest and the profile on every row', async () => {
    const preview = MODEL_PROFILES['qwq-32b-preview'];
    const asPreview = (i: number, toolState?: 'session' | 'stateless') => {
      const row = sampleRow(i);
      const segments = row.trajectory.segments.map((s) => ({ ...s, text: s.text.replace('<think>\n', '').replace('</think>\n', '') }));
      return { ...row, trajectory: { ...row.trajectory, segments, modelProfile: preview.name, ...(toolState ? { toolState } : {}) } };
    };
    // Row 4 says it came from another profile: it cannot share this manifest's template and end-of-turn token.
    const rows = [asPreview(1, 'session'), asPreview(2, 'session'), asPreview(3, 'stateless'), sampleRow(4), asPreview(5)];
    const info = { ...sampleInfo(), modelProfile: preview.name };
    const result = await buildDatasetVersion({ store: s3.store, rows, info, tokenizer });
    expect(result.manifest.modelProfile).toEqual(modelProfileProvenance(preview));
    expect(result.manifest.modelProfile).toMatchObject({ name: 'qwq-32b-preview', endOfTurn: '<|im_end|>', thinkingClose: null });
    expect(result.manifest.counts).toMatchObject({
      input: 5,
      kept: 4,
      droppedByBuild: { model_profile_mismatch: 1 },
      byToolState: { session: 2, stateless: 1, unrecorded: 1 },
    });
    const shard = (await s3.store.get(`${result.prefix}/${result.manifest.exports.parquet.files[0]!.path}`))!;
    const perRow = await queryParquet(shard, (f) => `select id, model_profile, tool_state from ${f} order by id`);
    expect(perRow).toEqual([
      { id: 'q-0001-s0', model_profile: 'qwq-32b-preview', tool_state: 'session' },
      { id: 'q-0002-s0', model_profile: 'qwq-32b-preview', tool_state: 'session' },
      { id: 'q-0003-s0', model_profile: 'qwq-32b-preview', tool_state: 'stateless' },
      { id: 'q-0005-s0', model_profile: 'qwq-32b-preview', tool_state: null },
    ]);

    // Without a profile in the info, the default one is recorded.
    const plain = await buildDatasetVersion({ store: s3.store, rows: [sampleRow(1)], info: sampleInfo(), tokenizer });
    expect(plain.manifest.modelProfile.name).toBe(DEFAULT_MODEL_PROFILE);
  });

  it('refuses an unknown model profile, naming the known ones', async () => {
    const info = { ...sampleInfo(), modelProfile: 'qwq-33b' };
    await expect(buildDatasetVersion({ store: s3.store, rows: [sampleRow(1)], info, tokenizer })).rejects.toThrow(
      /modelProfile: unknown model profile; known profiles: qwq-32b, /,
    );
  });

  it('names the field of bad info', async () => {
    const info = { ...sampleInfo(), graderVersion: '' };
    await expect(buildDatasetVersion({ store: s3.store, rows: [sampleRow(1)], info, tokenizer })).rejects.toThrow(
      /dataset info: graderVersion/,
    );
  });
});
