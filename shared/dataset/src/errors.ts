/** A stored file does not hash to what the manifest recorded: never use it. */
export class TamperedShardError extends Error {
  override readonly name = 'TamperedShardError';
  readonly path: string;
  constructor(datasetId: string, path: string, expected: string, actual: string) {
    super(
      `dataset ${datasetId}: ${path} has sha256 ${actual} but the manifest records ${expected}; refusing it (the stored object was altered or corrupted)`,
    );
    this.path = path;
  }
}

/** No complete version under that id (unknown id, or a version whose manifest was never written). */
export class DatasetNotFoundError extends Error {
  override readonly name = 'DatasetNotFoundError';
}
