import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@rft/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_HASH_SCHEME, canonicalJson, manifestIdentity, sha256Hex, verifyManifestContent } from './content-hash.ts';
import { TamperedShardError } from './errors.ts';
import { DatasetManifest } from './manifest.ts';
import { readManifest } from './pull-dataset.ts';
import { startTestS3, writeTestDataset, type TestS3 } from './testing/index.ts';
import { verifyTokenizerFile } from './tokenizer-check.ts';

let s3: TestS3;
let scratch: string;
beforeAll(async () => {
  s3 = await startTestS3();
  scratch = await mkdtemp(join(tmpdir(), 'rft-dataset-format-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('the canonical hash', () => {
  it('is sha256 of RFC 8785 canonical JSON: key order does not matter, the id is its first 24 hex', () => {
    const a = { contentHashScheme: CONTENT_HASH_SCHEME, b: 1, a: { d: [1, 2], c: 'x' } };
    const b = { a: { c: 'x', d: [1, 2] }, b: 1, contentHashScheme: CONTENT_HASH_SCHEME };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,2]},"b":1,"contentHashScheme":"sha256-jcs-rfc8785"}');
    const { contentSha256, datasetId } = manifestIdentity(a as never);
    expect(contentSha256).toBe(sha256Hex(canonicalJson(b)));
    expect(datasetId).toBe(`ds-${contentSha256.slice(0, 24)}`);
  });

  it("serializes numbers and strings as RFC 8785's own example (section 3.2.3) does", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('refuses a manifest body of another hash scheme', () => {
    expect(() => manifestIdentity({ contentHashScheme: 'sha256-sorted-keys' } as never)).toThrow(
      /contentHashScheme: "sha256-sorted-keys" is not supported \(expected sha256-jcs-rfc8785\)/,
    );
  });

  it('catches any edit of a manifest but its write time', async () => {
    const { manifest } = await writeTestDataset(s3.store, { rows: 3 });
    expect(() => verifyManifestContent({ ...manifest, createdAt: '2030-01-01T00:00:00.000Z' })).not.toThrow();
    expect(() => verifyManifestContent({ ...manifest, graderVersion: 'other' })).toThrow(TamperedShardError);
    expect(() => verifyManifestContent({ ...manifest, datasetId: 'ds-00000000000000000000beef' })).toThrow(TamperedShardError);
  });
});

describe('a stored test dataset', () => {
  it('is a version readers accept: schema-valid, content-addressed, every export listed', async () => {
    const written = await writeTestDataset(s3.store, { rows: 7, rowsPerShard: 3 });
    const read = await readManifest(s3.store, written.datasetId);
    expect(DatasetManifest.parse(read)).toEqual(written.manifest);
    expect(read.exports.trl.files.map((f) => f.path)).toEqual([
      'trl/data/train-00000-of-00003.parquet',
      'trl/data/train-00001-of-00003.parquet',
      'trl/data/train-00002-of-00003.parquet',
    ]);
    expect(read.exports['llama-factory'].files[0]!.path).toBe('llama-factory/dataset_info.json');
    expect(read.counts.kept).toBe(7);
  });
});

describe('the tokenizer check', () => {
  it('accepts the exact file and names the field when the hash differs', async () => {
    const path = join(scratch, 'tokenizer.json');
    await writeFile(path, '{"model":{"type":"BPE"}}');
    const expected = sha256Hex('{"model":{"type":"BPE"}}');
    expect(Buffer.from(await verifyTokenizerFile(path, expected)).toString('utf8')).toBe('{"model":{"type":"BPE"}}');
    const error = await verifyTokenizerFile(path, 'f'.repeat(64)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `tokenizer: ${path} has sha256 ${expected} but ${'f'.repeat(64)} is expected (manifest model.tokenizer.sha256); use the tokenizer the dataset was built with`,
    );
  });
});
