export { startTestS3, qwenTokenizerFiles, type TestS3 } from './test-s3.ts';
export { manifestFixture } from './manifest-fixture.ts';
export { writeTestDataset, type StoredTestDataset } from './stored-dataset.ts';
