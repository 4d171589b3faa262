import { readFile } from 'node:fs/promises';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeSchema } from './schema-snapshot.ts';
import { SNAPSHOT_PATH } from './snapshot-path.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

test('the committed schema snapshot matches a freshly migrated database (run `npm run schema:dump` after adding a migration)', async () => {
  const committed = await readFile(SNAPSHOT_PATH, 'utf8');
  expect(await describeSchema(env.db)).toBe(committed);
});

test('samples are unique on campaign, question, stage and sample index', async () => {
  const snapshot = await describeSchema(env.db);
  expect(snapshot).toContain('UNIQUE (campaign_id, question_id, stage, sample_index)');
});
