import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { TestProject } from 'vitest/node';
import { prepareTemplateDatabase } from './template-database.ts';
import { TEST_BUCKET } from './test-store.ts';

import './provided-context.ts';

/**
 * Once per test run: a migrated template database (each test file clones it) and an S3 server.
 * `S3_TEST_ENDPOINT` points the tests at an existing S3-compatible server instead of s3rver.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const templateDatabase = await prepareTemplateDatabase(
    process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  project.provide('templateDatabase', templateDatabase);

  if (process.env.S3_TEST_ENDPOINT) {
    project.provide('s3Endpoint', process.env.S3_TEST_ENDPOINT);
    return async () => {};
  }
  const directory = await mkdtemp(join(tmpdir(), 'rft-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: [{ name: TEST_BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`);
  return async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  };
}
