import { ApiRole, CAMPAIGN_STATUSES, QuestionStageStatus, ShardStatus, TrainingBackend } from '@rft/contracts';
import { PIPELINE_STEP_STATUSES, STEP_KINDS } from '@rft/pipeline';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TRAINING_RUN_STATUSES } from './training-run-lifecycle.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

/** The values a `CHECK (column = ANY (ARRAY[...]))` constraint of the migrated schema accepts. */
async function allowedValues(table: string, column: string): Promise<string[]> {
  const { rows } = await sql<{ definition: string }>`
    SELECT pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c
    WHERE c.conrelid = ${table}::regclass AND c.contype = 'c' AND c.conname = ${`${table}_${column}_check`}`.execute(env.db);
  if (!rows[0]) throw new Error(`no CHECK constraint ${table}_${column}_check in the migrated schema`);
  return [...rows[0].definition.matchAll(/'([^']+)'::text/g)].map((m) => m[1]!);
}

// Each vocabulary is defined once in code (shared/contracts, or the run state machine); the
// migrations hold the database's copy, frozen in time. This keeps the two from drifting apart.
test.each([
  ['campaigns', 'status', CAMPAIGN_STATUSES],
  ['shards', 'status', ShardStatus.options],
  ['question_stages', 'status', QuestionStageStatus.options],
  ['api_tokens', 'role', ApiRole.options],
  ['training_runs', 'backend', TrainingBackend.options],
  ['training_runs', 'status', TRAINING_RUN_STATUSES],
  ['pipeline_steps', 'status', PIPELINE_STEP_STATUSES],
  ['pipeline_steps', 'kind', STEP_KINDS],
])('%s.%s accepts exactly the values the code defines', async (table, column, values) => {
  expect((await allowedValues(table, column)).sort()).toEqual([...values].sort());
});
