export * from './manifest.ts';
export * from './lineage.ts';
export {
  CONTENT_HASH_SCHEME,
  canonicalJson,
  sha256Hex,
  stableJson,
  manifestIdentity,
  verifyManifestContent,
  type ManifestBody,
} from './content-hash.ts';
export { DatasetNotFoundError, TamperedShardError } from './errors.ts';
export {
  pullDataset,
  readManifest,
  FILES_IN_FLIGHT,
  type PullDatasetOptions,
  type PullDatasetResult,
  type PulledFileAction,
} from './pull-dataset.ts';
export { verifyTokenizerFile } from './tokenizer-check.ts';
export { storeFromEnv } from './store-from-env.ts';
export { objectLocation, type ObjectLocation, type StoreAddress } from './object-location.ts';
export * from './review/index.ts';
