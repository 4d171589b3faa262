import { qwenTokenizerFiles, startTestS3, writeTestDataset, type StoredTestDataset, type TestS3 } from '@rft/dataset/testing';

/** A real S3 server with one small dataset version (three shards per export). */
export async function datasetFixture(rows = 12): Promise<{ s3: TestS3; dataset: StoredTestDataset; tokenizerPath: string }> {
  const s3 = await startTestS3();
  const dataset = await writeTestDataset(s3.store, { rows, rowsPerShard: 5 });
  return { s3, dataset, tokenizerPath: qwenTokenizerFiles().tokenizerJsonPath };
}
