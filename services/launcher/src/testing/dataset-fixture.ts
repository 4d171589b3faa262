import { buildDatasetVersion, loadTokenizer, type BuildDatasetResult } from '@rft/curator';
import { qwenTokenizerFiles, sampleInfo, sampleRow, startTestS3, type TestS3 } from '@rft/curator/testing';

/** A real S3 server with one small dataset version built by the curator. */
export async function datasetFixture(rows = 12): Promise<{ s3: TestS3; dataset: BuildDatasetResult; tokenizerPath: string }> {
  const s3 = await startTestS3();
  const files = qwenTokenizerFiles();
  const tokenizer = await loadTokenizer(files);
  const dataset = await buildDatasetVersion({
    store: s3.store,
    rows: Array.from({ length: rows }, (_, i) => sampleRow(i + 1, { reasoningRepeat: 5 })),
    info: sampleInfo(),
    tokenizer,
    rowsPerShard: 5,
  });
  return { s3, dataset, tokenizerPath: files.tokenizerJsonPath };
}
