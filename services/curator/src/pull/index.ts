export {
  pullDataset,
  readManifest,
  verifyManifestContent,
  TamperedShardError,
  DatasetNotFoundError,
  type PullDatasetOptions,
  type PullDatasetResult,
  type PulledFileAction,
} from './pull-dataset.ts';
export { storeFromEnv } from './store-from-env.ts';
