/**
 * Dataset build benchmark: token alignment (whole text once vs per segment), FFD packing (segment
 * tree vs naive first fit), Parquet shard writing, an end-to-end build into a local S3 server, and
 * reading trajectory objects one at a time vs with curation's prefetch window, and a dataset pull one
 * file at a time vs several.
 *   ./node_modules/.bin/node services/curator/bench/dataset-build.bench.ts
 * Prints a table and writes bench-results/dataset-build.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJsonlZst, encodeJsonlZst, prefetchOrdered, type ObjectStore } from '@rft/storage';
import { buildDatasetVersion } from '../src/dataset/build-dataset-version.ts';
import { baseRecord, maskedSegments, type CanonicalRecord } from '../src/dataset/canonical-record.ts';
import { packFirstFitDecreasing } from '../src/dataset/packing.ts';
import { writeCanonicalParquet } from '../src/dataset/parquet-shard.ts';
import { qwenTokenizerFiles, sampleInfo, sampleRow, startTestS3 } from '../src/dataset/test-support.ts';
import { alignSegments } from '../src/dataset/token-alignment.ts';
import { loadTokenizer } from '../src/dataset/tokenizer.ts';
import { FILES_IN_FLIGHT, pullDataset } from '@rft/dataset';
import { OBJECT_PREFETCH } from '../src/selected-rows.ts';

interface Row {
  name: string;
  value: number;
  unit: string;
  note: string;
}
const rows: Row[] = [];
const add = (name: string, value: number, unit: string, note = '') => rows.push({ name, value: Number(value.toPrecision(4)), unit, note });
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const out = f();
  return [out, (performance.now() - t0) / 1000];
};

const tokenizer = await loadTokenizer(qwenTokenizerFiles());

// 1. Alignment: whole rendered text once (ours) vs tokenizing each segment on its own.
const samples = Array.from({ length: 150 }, (_, i) => maskedSegments(sampleRow(i + 1, { reasoningRepeat: 120 }).trajectory));
const alignAll = () => samples.map((s) => alignSegments(tokenizer, s));
const perSegmentAll = () => samples.map((s) => s.flatMap((seg) => tokenizer.encodeWithBytes(seg.text).ids));
// Warm both paths (JIT, the tokenizer's word cache), then take the best of 3 alternating rounds.
const [whole] = time(alignAll);
const [perSegment] = time(perSegmentAll);
let tWhole = Infinity;
let tPer = Infinity;
for (let round = 0; round < 3; round++) {
  tWhole = Math.min(tWhole, time(alignAll)[1]);
  tPer = Math.min(tPer, time(perSegmentAll)[1]);
}
let tokens = 0;
let differ = 0;
let straddle = 0;
whole.forEach((r, i) => {
  if (!r.ok) throw new Error(r.detail);
  tokens += r.ids.length;
  straddle += r.straddle;
  const p = perSegment[i]!;
  if (p.length !== r.ids.length || p.some((id, j) => id !== r.ids[j])) differ++;
});
add('align whole text', tokens / tWhole, 'tokens/s', `${samples.length} samples, ${Math.round(tokens / samples.length)} tokens each`);
add('tokenize per segment', tokens / tPer, 'tokens/s', 'the per-segment alternative');
add('whole / per-segment time', tWhole / tPer, 'ratio', 'cost of span mapping');
add('samples whose ids differ per segment', (100 * differ) / samples.length, '%', `${straddle} straddling tokens masked`);

// 2. Packing: segment-tree first-fit decreasing vs a naive scan, same lengths.
let seed = 1;
const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, length: 500 + Math.floor(rand() * 15_884) }));
const small = items(20_000);
const [packs, tTree] = time(() => packFirstFitDecreasing(small, 32_768));
const [, tNaive] = time(() => {
  const sorted = [...small].sort((a, b) => b.length - a.length || (a.id < b.id ? -1 : 1));
  const used: number[] = [];
  for (const it of sorted) {
    const k = used.findIndex((u) => u + it.length <= 32_768);
    if (k === -1) used.push(it.length);
    else used[k]! += it.length;
  }
  return used;
});
add('FFD segment tree, 20k samples', tTree * 1000, 'ms', `${packs.length} packs`);
add('FFD naive scan, 20k samples', tNaive * 1000, 'ms', '');
add('naive / segment tree', tNaive / tTree, 'ratio', '');
const [bigPacks, tBig] = time(() => packFirstFitDecreasing(items(1_000_000), 32_768));
add(
  'FFD segment tree, 1M samples',
  tBig,
  's',
  `${bigPacks.length} packs, efficiency ${(bigPacks.reduce((s, p) => s + p.tokens, 0) / (bigPacks.length * 32_768)).toFixed(4)}`,
);

// 3. Parquet writing of canonical records.
const records: CanonicalRecord[] = samples.map((segments, i) => ({
  ...baseRecord(sampleRow(i + 1), segments),
  numTokens: 1,
  numTrainTokens: 1,
  numStraddleTokens: 0,
  numHintTokens: 0,
  numToolOutputTokens: 0,
}));
const textBytes = records.reduce((s, r) => s + r.segments.reduce((t, seg) => t + Buffer.byteLength(seg.text), 0), 0);
const [parquet, tParquet] = time(() => writeCanonicalParquet(records, {}));
add(
  'canonical Parquet write',
  textBytes / 1e6 / tParquet,
  'MB text/s',
  `${records.length} rows -> ${(parquet.byteLength / 1e6).toFixed(2)} MB (${(textBytes / 1e6).toFixed(2)} MB text)`,
);

// 4. End to end into a local S3 server: tokenize, write 5 formats, hash, upload.
const s3 = await startTestS3();
try {
  const input = Array.from({ length: 400 }, (_, i) => sampleRow(i + 1, { reasoningRepeat: 60 }));
  const t0 = performance.now();
  const built = await buildDatasetVersion({ store: s3.store, rows: input, info: sampleInfo(), tokenizer, rowsPerShard: 100 });
  const t = (performance.now() - t0) / 1000;
  add('end-to-end build', input.length / t, 'rows/s', `${built.manifest.tokens.total} tokens, 4 shards x 5 formats into s3rver`);

  // 5. Reading the selected rows' trajectory objects (one per question attempt, 16 samples each):
  // one GET at a time vs curation's prefetch window, on s3rver and with a simulated S3 first-byte latency.
  const objects = 200;
  const keys = Array.from({ length: objects }, (_, i) => `bench/trajectories/q${i}.jsonl.zst`);
  const attempt = (i: number) =>
    Array.from({ length: 16 }, (_, j) => ({ ...sampleRow(i + 1, { reasoningRepeat: 60 }).trajectory, sampleIndex: j }));
  for (const [i, key] of keys.entries()) await s3.store.put(key, encodeJsonlZst(attempt(i)));
  const read = (store: ObjectStore) => async (key: string) => decodeJsonlZst((await store.get(key))!);
  const readAll = async (store: ObjectStore, window: number) => {
    const t0 = performance.now();
    let lines = 0;
    for await (const decoded of prefetchOrdered(keys, read(store), window)) lines += decoded.length;
    if (lines !== objects * 16) throw new Error(`read ${lines} lines, expected ${objects * 16}`);
    return objects / ((performance.now() - t0) / 1000);
  };
  const FIRST_BYTE_MS = 20;
  const late =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A) => (await sleep(FIRST_BYTE_MS), call(...args));
  const distant: ObjectStore = Object.assign(Object.create(s3.store) as ObjectStore, {
    get: late((key: string) => s3.store.get(key)),
    head: late((key: string) => s3.store.head(key)),
    getRange: late((key: string, start: number, end?: number) => s3.store.getRange(key, start, end)),
  });
  await readAll(s3.store, OBJECT_PREFETCH); // warm
  for (const [label, store, note] of [
    ['s3rver', s3.store, 'local s3rver'],
    [`+${FIRST_BYTE_MS} ms`, distant, `s3rver plus a simulated ${FIRST_BYTE_MS} ms first-byte latency, as S3 in-region`],
  ] as const) {
    const one = await readAll(store, 1);
    const windowed = await readAll(store, OBJECT_PREFETCH);
    add(`object reads one at a time, ${label}`, one, 'objects/s', `${objects} objects x 16 trajectories, ${note}`);
    add(`object reads ${OBJECT_PREFETCH} in flight, ${label}`, windowed, 'objects/s', "curation's prefetch window");
    add(`prefetch / one at a time, ${label}`, windowed / one, 'ratio', '');
  }

  // 6. A training launcher's pull of one export (HEAD, range GETs, sha256 check per file): one file at
  // a time vs FILES_IN_FLIGHT, same stores.
  const sharded = await buildDatasetVersion({ store: s3.store, rows: input, info: sampleInfo(), tokenizer, rowsPerShard: 25 });
  const exported = sharded.manifest.exports.jsonl.files;
  const exportBytes = exported.reduce((sum, f) => sum + f.bytes, 0);
  const scratch = await mkdtemp(join(tmpdir(), 'rft-pull-bench-'));
  try {
    const pullRate = async (store: ObjectStore, filesInFlight: number) => {
      const outDir = join(scratch, `${filesInFlight}-${performance.now()}`);
      const t0 = performance.now();
      await pullDataset({ store, datasetId: sharded.datasetId, outDir, format: 'jsonl', filesInFlight });
      return exportBytes / 1e6 / ((performance.now() - t0) / 1000);
    };
    for (const [label, store] of [
      ['s3rver', s3.store],
      [`+${FIRST_BYTE_MS} ms`, distant],
    ] as const) {
      const one = await pullRate(store, 1);
      const several = await pullRate(store, FILES_IN_FLIGHT);
      const note = `${exported.length} JSONL shards, ${(exportBytes / 1e6).toFixed(1)} MB`;
      add(`pull one file at a time, ${label}`, one, 'MB/s', note);
      add(`pull ${FILES_IN_FLIGHT} files in flight, ${label}`, several, 'MB/s', 'pullDataset default');
      add(`pull ${FILES_IN_FLIGHT} in flight / one, ${label}`, several / one, 'ratio', '');
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
} finally {
  await s3.close();
}

console.table(rows);
await mkdir('bench-results', { recursive: true });
await writeFile(
  'bench-results/dataset-build.json',
  JSON.stringify({ bench: 'dataset-build', at: new Date().toISOString(), rows }, null, 2) + '\n',
);
