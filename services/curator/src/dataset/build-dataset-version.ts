import { DEFAULT_MODEL_PROFILE, InputError, modelProfileProvenance, parseOrThrow, resolveModelProfile } from '@rft/contracts';
import {
  CONTENT_HASH_SCHEME,
  DATASET_MANIFEST_SCHEMA,
  DatasetManifest,
  manifestIdentity,
  type DatasetFile,
  type DatasetFormat,
  type ToolStateCounts,
} from '@rft/dataset';
import { objectKeys, type ObjectStore } from '@rft/storage';
import { AXOLOTL_FIDELITY, toAxolotlRow } from '../export/axolotl.ts';
import { LLAMA_FACTORY_FIDELITY, llamaFactoryDatasetInfo, toSharegptRow } from '../export/llama-factory.ts';
import { TRL_FIDELITY, trlShard } from '../export/trl.ts';
import {
  baseRecord,
  maskedSegments,
  recordToJson,
  type CanonicalRecord,
  type DatasetRowInput,
  type TokenizedRecord,
} from './canonical-record.ts';
import { DatasetInfo, type BuildDropReason } from './dataset-info.ts';
import { checkEndOfTurn } from './end-of-turn-check.ts';
import { summarizeLengths } from './length-summary.ts';
import { packFirstFitDecreasing, packingStats } from './packing.ts';
import { writeCanonicalParquet } from './parquet-shard.ts';
import { createShardStaging, toDatasetFile, type ShardStaging } from './shard-staging.ts';
import { alignSegments } from './token-alignment.ts';
import type { Tokenizer } from './tokenizer.ts';

export const DEFAULT_MAX_SAMPLE_TOKENS = 16_384;
export const PACK_TOKENS = 32_768;
export const DEFAULT_ROWS_PER_SHARD = 2_000;
/** Name under which LLaMA-Factory's `dataset_info.json` registers the data. */
export const LLAMA_FACTORY_DATASET_NAME = 'rft_start';

export interface BuildDatasetInput {
  store: ObjectStore;
  /** Selected rows, in a deterministic order (the order fixes shard contents and so the dataset id). */
  rows: AsyncIterable<DatasetRowInput> | Iterable<DatasetRowInput>;
  info: DatasetInfo;
  tokenizer: Tokenizer;
  maxTokens?: number;
  rowsPerShard?: number;
  /** For tests; defaults to the current time. Not part of the content hash. */
  now?: () => Date;
}

export interface BuildDatasetResult {
  datasetId: string;
  /** Key prefix of the version in the store, e.g. `datasets/ds-0123abcd...`. */
  prefix: string;
  manifest: DatasetManifest;
  /** True when an identical version already existed and nothing was written. */
  existed: boolean;
  /** The sample ids of the rows the version holds (rows the build refused are not among them), in row order. */
  keptSampleIds: string[];
}

const FIDELITY: Record<DatasetFormat, string> = {
  parquet: 'Canonical record: rendered segments with kind and train flag; exact.',
  jsonl: 'Canonical record as JSON Lines (same fields as the Parquet shards); exact.',
  trl: TRL_FIDELITY,
  axolotl: AXOLOTL_FIDELITY,
  'llama-factory': LLAMA_FACTORY_FIDELITY,
};

const encoder = new TextEncoder();
const jsonl = (rows: readonly unknown[]) => encoder.encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

interface Totals {
  input: number;
  dropped: Partial<Record<BuildDropReason, number>>;
  lengths: { id: string; length: number }[];
  train: number;
  hint: number;
  toolOutput: number;
  prompt: number;
  straddle: number;
  llamaFactoryTrailingDropped: number;
  toolStates: ToolStateCounts;
}

/**
 * Builds an immutable, content-addressed dataset version from selected rows: canonical Parquet +
 * JSONL, TRL / axolotl / LLaMA-Factory projections, and `manifest.json` (written last: a version
 * without a manifest is incomplete). Rebuilding identical content returns the existing version.
 */
export async function buildDatasetVersion(input: BuildDatasetInput): Promise<BuildDatasetResult> {
  const info = parseOrThrow(DatasetInfo, input.info, 'dataset info');
  const maxTokens = input.maxTokens ?? DEFAULT_MAX_SAMPLE_TOKENS;
  const rowsPerShard = input.rowsPerShard ?? DEFAULT_ROWS_PER_SHARD;
  if (!Number.isInteger(maxTokens) || maxTokens <= 0 || maxTokens > PACK_TOKENS) {
    throw new InputError(`maxTokens: must be an integer in 1..${PACK_TOKENS}, got ${maxTokens}`);
  }
  if (!Number.isInteger(rowsPerShard) || rowsPerShard <= 0) {
    throw new InputError(`rowsPerShard: must be a positive integer, got ${rowsPerShard}`);
  }
  const chatTemplateSha256 = info.chatTemplateSha256 ?? input.tokenizer.chatTemplateSha256;
  if (!chatTemplateSha256) {
    throw new InputError(
      'info.chatTemplateSha256: missing, and the tokenizer config has no chat_template; pass the sha256 of the template used to render prompts',
    );
  }

  const profile = resolveModelProfile(info.modelProfile);
  const staging = await createShardStaging();
  try {
    const totals = await stageShards(input, staging, maxTokens, rowsPerShard, profile.name);
    const kept = totals.lengths.length;
    if (kept === 0) {
      const reasons = Object.entries(totals.dropped)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      throw new InputError(
        totals.input === 0
          ? 'rows: no rows to build a dataset from (the selection produced zero rows)'
          : `rows: all ${totals.input} rows were dropped (${reasons}); nothing to build a dataset from`,
      );
    }
    const shardCount = Math.ceil(kept / rowsPerShard);
    const lfInfo = llamaFactoryDatasetInfo(LLAMA_FACTORY_DATASET_NAME, 'data');
    await staging.add(
      'llama-factory',
      -1,
      '.json',
      encoder.encode(JSON.stringify(lfInfo, null, 2) + '\n'),
      0,
      'llama-factory/dataset_info.json',
    );

    const exportsByFormat = {} as Record<DatasetFormat, DatasetFile[]>;
    for (const file of staging.files()) {
      (exportsByFormat[file.format] ??= []).push(toDatasetFile(file, shardCount));
    }
    for (const files of Object.values(exportsByFormat)) files.sort((a, b) => (a.path < b.path ? -1 : 1));

    const packs = packFirstFitDecreasing(totals.lengths, PACK_TOKENS);
    const packing = packingStats(packs, PACK_TOKENS);
    const perSample = summarizeLengths(totals.lengths.map((l) => l.length));
    const droppedByBuild: Record<string, number> = { ...totals.dropped };
    if (totals.llamaFactoryTrailingDropped > 0) {
      droppedByBuild['llama_factory_trailing_masked_text'] = totals.llamaFactoryTrailingDropped;
    }
    const body: Omit<DatasetManifest, 'datasetId' | 'contentSha256' | 'createdAt'> = {
      schema: DATASET_MANIFEST_SCHEMA,
      contentHashScheme: CONTENT_HASH_SCHEME,
      campaignId: info.campaignId,
      ...(info.failedItems ? { partial: true as const, failedItems: info.failedItems } : {}),
      model: {
        id: info.model,
        revision: info.modelRevision ?? null,
        tokenizer: { name: info.tokenizer.name, revision: info.tokenizer.revision ?? null, sha256: input.tokenizer.sha256 },
        chatTemplateSha256,
      },
      modelProfile: modelProfileProvenance(profile),
      samplingParams: info.samplingParams,
      hintLibraryVersion: info.hintLibraryVersion ?? null,
      sandboxVersion: info.sandboxVersion ?? null,
      graderVersion: info.graderVersion,
      selectionPolicy: info.selectionPolicy,
      ...(info.lineage ? { lineage: info.lineage } : {}),
      ...(info.review ? { review: info.review } : {}),
      limits: { maxSampleTokens: maxTokens, packTokens: PACK_TOKENS, filter: 'drop' },
      counts: { input: totals.input, kept, droppedByBuild, droppedUpstream: info.droppedByReason, byToolState: totals.toolStates },
      tokens: {
        total: perSample.sum,
        train: totals.train,
        hint: totals.hint,
        toolOutput: totals.toolOutput,
        prompt: totals.prompt,
        straddle: totals.straddle,
        perSample,
      },
      packing: { algorithm: 'first-fit-decreasing', packTokens: PACK_TOKENS, ...packing },
      exports: {
        parquet: { files: exportsByFormat.parquet, fidelity: FIDELITY.parquet },
        jsonl: { files: exportsByFormat.jsonl, fidelity: FIDELITY.jsonl },
        trl: { files: exportsByFormat.trl, fidelity: FIDELITY.trl },
        axolotl: { files: exportsByFormat.axolotl, fidelity: FIDELITY.axolotl },
        'llama-factory': { files: exportsByFormat['llama-factory'], fidelity: FIDELITY['llama-factory'] },
      },
    };
    const { contentSha256, datasetId } = manifestIdentity(body);
    const manifest = parseOrThrow(
      DatasetManifest,
      { ...body, datasetId, contentSha256, createdAt: (input.now?.() ?? new Date()).toISOString() },
      'manifest',
    );
    const prefix = objectKeys.datasetPrefix(datasetId);
    const existing = await input.store.get(`${prefix}/manifest.json`);
    if (existing) {
      const previous = parseOrThrow(DatasetManifest, JSON.parse(Buffer.from(existing).toString('utf8')), `${prefix}/manifest.json`);
      if (previous.contentSha256 !== contentSha256) {
        throw new Error(
          `${prefix}/manifest.json exists with content ${previous.contentSha256}, expected ${contentSha256}; refusing to overwrite an immutable version`,
        );
      }
      return { datasetId, prefix, manifest: previous, existed: true, keptSampleIds: totals.lengths.map((l) => l.id) };
    }
    for (const file of staging.files()) {
      const key = `${prefix}/${toDatasetFile(file, shardCount).path}`;
      await input.store.put(key, await staging.read(file), { contentType: contentTypeOf(file.ext) });
    }
    await input.store.put(`${prefix}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n', { contentType: 'application/json' });
    return { datasetId, prefix, manifest, existed: false, keptSampleIds: totals.lengths.map((l) => l.id) };
  } finally {
    await staging.remove();
  }
}

function contentTypeOf(ext: string): string {
  if (ext === '.parquet') return 'application/vnd.apache.parquet';
  if (ext === '.jsonl') return 'application/x-ndjson';
  return 'application/json';
}

async function stageShards(
  input: BuildDatasetInput,
  staging: ShardStaging,
  maxTokens: number,
  rowsPerShard: number,
  profileName: string,
): Promise<Totals> {
  const totals: Totals = {
    input: 0,
    dropped: {},
    lengths: [],
    train: 0,
    hint: 0,
    toolOutput: 0,
    prompt: 0,
    straddle: 0,
    llamaFactoryTrailingDropped: 0,
    toolStates: { session: 0, stateless: 0, unrecorded: 0 },
  };
  const seen = new Set<string>();
  const drop = (reason: BuildDropReason) => {
    totals.dropped[reason] = (totals.dropped[reason] ?? 0) + 1;
  };
  const kv = { 'rft.tokenizer_sha256': input.tokenizer.sha256 };
  let buffer: TokenizedRecord[] = [];
  let shard = 0;

  const flush = async () => {
    if (buffer.length === 0) return;
    const records = buffer.map((b) => b.record);
    await staging.add('parquet', shard, '.parquet', writeCanonicalParquet(records, kv), records.length);
    await staging.add('jsonl', shard, '.jsonl', jsonl(records.map(recordToJson)), records.length);
    await staging.add('trl', shard, '.parquet', trlShard(buffer, kv), records.length);
    await staging.add('axolotl', shard, '.jsonl', jsonl(records.map(toAxolotlRow)), records.length);
    const sharegpt = records.map(toSharegptRow);
    for (const s of sharegpt) if (s.droppedTrailingChars > 0) totals.llamaFactoryTrailingDropped++;
    await staging.add('llama-factory', shard, '.jsonl', jsonl(sharegpt.map((s) => s.row)), records.length);
    shard++;
    buffer = [];
  };

  for await (const row of input.rows) {
    totals.input++;
    if (!row.sampleId) throw new InputError(`rows[${totals.input - 1}].sampleId: must be a non-empty string`);
    if (seen.has(row.sampleId)) throw new InputError(`rows[${totals.input - 1}].sampleId: duplicate sample id ${row.sampleId}`);
    seen.add(row.sampleId);
    if (!row.verdict.eligible) {
      drop('not_eligible');
      continue;
    }
    const segments = maskedSegments(row.trajectory);
    if (!segments.some((s) => s.train)) {
      drop('empty_train');
      continue;
    }
    if ((row.trajectory.modelProfile ?? DEFAULT_MODEL_PROFILE) !== profileName) {
      drop('model_profile_mismatch');
      continue;
    }
    const endOfTurn = checkEndOfTurn(row.trajectory, segments);
    if (endOfTurn) {
      drop(endOfTurn);
      continue;
    }
    const aligned = alignSegments(input.tokenizer, segments);
    if (!aligned.ok) {
      drop(aligned.reason);
      continue;
    }
    const numTokens = aligned.ids.length;
    if (numTokens > maxTokens) {
      drop('too_long');
      continue;
    }
    let numTrainTokens = 0;
    for (const m of aligned.trainMask) numTrainTokens += m;
    if (numTrainTokens === 0) {
      drop('empty_train');
      continue;
    }
    const record: CanonicalRecord = {
      ...baseRecord(row, segments),
      numTokens,
      numTrainTokens,
      numStraddleTokens: aligned.straddle,
      numHintTokens: aligned.byKind.hint,
      numToolOutputTokens: aligned.byKind.tool_output,
    };
    totals.lengths.push({ id: record.id, length: numTokens });
    totals.toolStates[record.toolState ?? 'unrecorded']++;
    totals.train += numTrainTokens;
    totals.hint += aligned.byKind.hint;
    totals.toolOutput += aligned.byKind.tool_output;
    totals.prompt += aligned.byKind.prompt + aligned.byKind.system;
    totals.straddle += aligned.straddle;
    buffer.push({ record, ids: aligned.ids, trainMask: aligned.trainMask });
    if (buffer.length >= rowsPerShard) await flush();
  }
  await flush();
  return totals;
}
