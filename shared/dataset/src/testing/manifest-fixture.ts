import { DATASET_MANIFEST_SCHEMA, type DatasetManifest } from '../manifest.ts';

const h = (c: string) => c.repeat(64);

/** A schema-valid manifest for pure planning tests (nothing stored): 10k samples packed into 4,000 packs. */
export function manifestFixture(overrides: Partial<DatasetManifest> = {}): DatasetManifest {
  const file = { path: 'trl/data/train-00000-of-00001.parquet', rows: 10_000, bytes: 123, sha256: h('a') };
  const exp = { files: [file], fidelity: 'test' };
  return {
    schema: DATASET_MANIFEST_SCHEMA,
    datasetId: 'ds-0123456789abcdef01234567',
    contentSha256: '0123456789abcdef01234567' + 'f'.repeat(40),
    contentHashScheme: 'sha256-jcs-rfc8785',
    createdAt: '2026-01-01T00:00:00.000Z',
    campaignId: 'c',
    model: { id: 'Qwen/QwQ-32B', revision: null, tokenizer: { name: 'qwen', revision: null, sha256: h('b') }, chatTemplateSha256: h('c') },
    modelProfile: {
      name: 'qwq-32b',
      source: 'Qwen/QwQ-32B',
      chatTemplateSha256: h('c'),
      endOfTurn: '<|im_end|>',
      thinkingClose: '</think>',
    },
    samplingParams: {},
    hintLibraryVersion: null,
    sandboxVersion: null,
    graderVersion: 'g',
    selectionPolicy: {},
    limits: { maxSampleTokens: 16_384, packTokens: 32_768, filter: 'drop' },
    counts: {
      input: 10_000,
      kept: 10_000,
      droppedByBuild: {},
      droppedUpstream: {},
      byToolState: { session: 10_000, stateless: 0, unrecorded: 0 },
    },
    tokens: {
      total: 0,
      train: 0,
      hint: 0,
      toolOutput: 0,
      prompt: 0,
      straddle: 0,
      perSample: { count: 0, sum: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 },
    },
    packing: { algorithm: 'first-fit-decreasing', packTokens: 32_768, packs: 4_000, packingFactor: 2.5, efficiency: 0.9 },
    exports: { parquet: exp, jsonl: exp, trl: exp, axolotl: exp, 'llama-factory': exp },
    ...overrides,
  };
}
