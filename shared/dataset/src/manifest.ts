import { z } from 'zod';
import { DatasetLineage, DatasetReview } from './lineage.ts';

/**
 * `manifest.json` of one immutable dataset version (`datasets/<datasetId>/manifest.json`).
 * It sits beside, not inside, the shard directories: several trainers load every file of a data
 * directory and refuse mixed file types.
 */
export const DATASET_MANIFEST_SCHEMA = 'rft.dataset-manifest/v1';

export const DatasetFormat = z.enum(['parquet', 'jsonl', 'trl', 'axolotl', 'llama-factory']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');

export const DatasetFile = z.object({
  /** Relative to the version prefix, e.g. `data/train-00000-of-00002.parquet`. */
  path: z.string().min(1),
  /** Rows (records) in the file; 0 for side files such as `dataset_info.json`. */
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
});
export type DatasetFile = z.infer<typeof DatasetFile>;

export const DatasetExport = z.object({
  files: z.array(DatasetFile).min(1),
  /** What this projection keeps and loses compared with the canonical record. */
  fidelity: z.string(),
});
export type DatasetExport = z.infer<typeof DatasetExport>;

export const LengthSummary = z.object({
  count: z.number().int().nonnegative(),
  sum: z.number().int().nonnegative(),
  min: z.number().int().nonnegative(),
  max: z.number().int().nonnegative(),
  mean: z.number().nonnegative(),
  p50: z.number().int().nonnegative(),
  p90: z.number().int().nonnegative(),
  p99: z.number().int().nonnegative(),
});
export type LengthSummary = z.infer<typeof LengthSummary>;

/** The model profile the rows were generated with (its chat template's hash is its version). */
export const ManifestModelProfile = z.object({
  name: z.string().min(1),
  /** The model card its template and tokens come from. */
  source: z.string().min(1),
  chatTemplateSha256: Sha256,
  /** Stored once at the end of every EOS-ended row, inside the trained text. */
  endOfTurn: z.string().min(1),
  /** null: the profile has no thinking block. */
  thinkingClose: z.string().nullable(),
});
export type ManifestModelProfile = z.infer<typeof ManifestModelProfile>;

/** Kept rows by how their python blocks ran: one shared interpreter, each on its own, or not recorded (older rows). */
export const ToolStateCounts = z.object({
  session: z.number().int().nonnegative(),
  stateless: z.number().int().nonnegative(),
  unrecorded: z.number().int().nonnegative(),
});
export type ToolStateCounts = z.infer<typeof ToolStateCounts>;

export const DatasetManifest = z.object({
  schema: z.literal(DATASET_MANIFEST_SCHEMA),
  datasetId: z.string().regex(/^ds-[0-9a-f]{16,64}$/),
  /** sha256 of the RFC 8785 canonical JSON of this manifest without datasetId, contentSha256 and createdAt. */
  contentSha256: Sha256,
  /** How `contentSha256` is computed (README: "Content hash"). */
  contentHashScheme: z.literal('sha256-jcs-rfc8785'),
  createdAt: z.string(),
  campaignId: z.string(),
  /**
   * Present (true) when some of the campaign's work items failed: the dataset holds what the rest
   * produced, and `failedItems` says how many are missing. Absent for a campaign that fully succeeded.
   */
  partial: z.literal(true).optional(),
  failedItems: z.number().int().positive().optional(),
  model: z.object({
    id: z.string().min(1),
    revision: z.string().nullable(),
    tokenizer: z.object({ name: z.string().min(1), revision: z.string().nullable(), sha256: Sha256 }),
    chatTemplateSha256: Sha256,
  }),
  modelProfile: ManifestModelProfile,
  samplingParams: z.record(z.string(), z.unknown()),
  hintLibraryVersion: z.string().nullable(),
  sandboxVersion: z.string().nullable(),
  graderVersion: z.string().min(1),
  selectionPolicy: z.record(z.string(), z.unknown()),
  /** Pipeline provenance (source steps, campaigns, models, quotas); absent outside a pipeline. */
  lineage: DatasetLineage.optional(),
  /** Present on a version produced by reviewing another one. */
  review: DatasetReview.optional(),
  limits: z.object({
    maxSampleTokens: z.number().int().positive(),
    packTokens: z.number().int().positive(),
    /** Over-long samples are dropped, never truncated. */
    filter: z.literal('drop'),
  }),
  counts: z.object({
    /** Rows handed to the build (already selected). */
    input: z.number().int().nonnegative(),
    kept: z.number().int().nonnegative(),
    /** Dropped while building, by reason (too_long, empty_train, ...). */
    droppedByBuild: z.record(z.string(), z.number().int().nonnegative()),
    /** Dropped upstream (selection, grading), as reported by the caller. */
    droppedUpstream: z.record(z.string(), z.number().int().nonnegative()),
    byToolState: ToolStateCounts,
  }),
  tokens: z.object({
    total: z.number().int().nonnegative(),
    train: z.number().int().nonnegative(),
    hint: z.number().int().nonnegative(),
    toolOutput: z.number().int().nonnegative(),
    prompt: z.number().int().nonnegative(),
    /** Tokens crossing a trained/masked boundary (masked). */
    straddle: z.number().int().nonnegative(),
    perSample: LengthSummary,
  }),
  packing: z.object({
    algorithm: z.literal('first-fit-decreasing'),
    packTokens: z.number().int().positive(),
    packs: z.number().int().nonnegative(),
    /** Samples per pack (mean). */
    packingFactor: z.number().nonnegative(),
    /** Tokens / (packs x packTokens). */
    efficiency: z.number().nonnegative(),
  }),
  exports: z.object({
    parquet: DatasetExport,
    jsonl: DatasetExport,
    trl: DatasetExport,
    axolotl: DatasetExport,
    'llama-factory': DatasetExport,
  }),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;
