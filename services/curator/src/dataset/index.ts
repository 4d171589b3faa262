export {
  buildDatasetVersion,
  DEFAULT_MAX_SAMPLE_TOKENS,
  PACK_TOKENS,
  DEFAULT_ROWS_PER_SHARD,
  LLAMA_FACTORY_DATASET_NAME,
} from './build-dataset-version.ts';
export type { BuildDatasetInput, BuildDatasetResult } from './build-dataset-version.ts';
export type { DatasetRowInput, CanonicalRecord } from './canonical-record.ts';
export { DatasetInfo, type BuildDropReason } from './dataset-info.ts';
export { loadTokenizer, createTokenizer, type Tokenizer, type TokenizerFiles } from './tokenizer.ts';
export { alignSegments, type AlignmentResult, type MaskedSegment } from './token-alignment.ts';
export { packFirstFitDecreasing, packingStats, type Pack, type PackItem, type PackingStats } from './packing.ts';
export type { DatasetManifest } from '@rft/dataset';
