import { retryFailedItems } from '@rft/db';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHarness } from './campaign-harness.ts';

const QUESTIONS = 6;
const SAMPLES = 4;

let env: TestEnv;
let harness: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  env = await createTestEnv();
  harness = await startHarness(env);
});
afterAll(async () => {
  await harness?.close();
  await env?.cleanup();
});

const itemOf = async (campaignId: string, questionId: string) =>
  (
    await sql<{ status: string; last_error: string | null }>`
      SELECT status, last_error FROM question_stages WHERE campaign_id = ${campaignId} AND question_id = ${questionId}`.execute(env.db)
  ).rows[0]!;

test('a trajectory object lost before grading: the item fails with the reason, and a retry regenerates exactly its samples', async () => {
  const campaignId = await harness.submit(QUESTIONS, SAMPLES);
  // Grading waits until the object is gone, as if the store lost it between the rollout and the grader.
  const grade = harness.queues.queue('grade');
  await grade.pause();
  harness.startWorker();
  await harness.waitFor('every item generated', async () => {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM question_stages WHERE campaign_id = ${campaignId} AND status = 'generated'`.execute(env.db);
    return r.rows[0]!.n === QUESTIONS;
  });
  const victim = (
    await sql<{ question_id: string; trajectory_key: string }>`
      SELECT question_id, trajectory_key FROM samples WHERE campaign_id = ${campaignId} ORDER BY question_id LIMIT 1`.execute(env.db)
  ).rows[0]!;
  await env.store.delete([victim.trajectory_key]);
  await grade.resume();

  await harness.waitFor('the victim failed', async () => (await itemOf(campaignId, victim.question_id)).status === 'failed');
  expect((await itemOf(campaignId, victim.question_id)).last_error).toBe(
    `grading failed: trajectory object ${victim.trajectory_key} is missing; its samples were dropped from the ledger, so \`rft retry\` regenerates them`,
  );
  const left = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM samples WHERE campaign_id = ${campaignId} AND question_id = ${victim.question_id}`.execute(env.db);
  expect(left.rows[0]!.n).toBe(0);
  // The rest of the campaign curates without it, and the end state says an item is missing.
  await harness.waitFor(
    'completed_with_failures without the victim',
    async () => (await harness.campaignStatus(campaignId)) === 'completed_with_failures',
  );

  const moved = await env.db.transaction().execute((tx) => retryFailedItems(tx, campaignId));
  expect(moved.map((m) => m.questionId)).toEqual([victim.question_id]);
  await harness.waitFor('victim graded', async () => (await itemOf(campaignId, victim.question_id)).status === 'graded');
  await harness.waitFor('completed again', async () => (await harness.campaignStatus(campaignId)) === 'completed');

  const counts = await harness.counts(campaignId);
  expect(counts).toMatchObject({ samples: QUESTIONS * SAMPLES, distinct_keys: QUESTIONS * SAMPLES });
  const regenerated = await sql<{ attempt: number; trajectory_key: string }>`
    SELECT DISTINCT attempt, trajectory_key FROM samples WHERE campaign_id = ${campaignId} AND question_id = ${victim.question_id}`.execute(
    env.db,
  );
  expect(regenerated.rows).toHaveLength(1);
  expect(regenerated.rows[0]!.trajectory_key).not.toBe(victim.trajectory_key);
  const keys = await sql<{ trajectory_key: string }>`SELECT DISTINCT trajectory_key FROM samples WHERE campaign_id = ${campaignId}`.execute(
    env.db,
  );
  for (const { trajectory_key } of keys.rows) expect(await env.store.head(trajectory_key)).not.toBeNull();
  const grades = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaignId}`.execute(env.db);
  expect(grades.rows[0]!.n).toBe(QUESTIONS * SAMPLES);
  // Two dataset versions: the one built without the victim, and the one after the retry.
  const datasets = await sql<{ n: number }>`SELECT count(*)::int AS n FROM datasets WHERE campaign_id = ${campaignId}`.execute(env.db);
  expect(datasets.rows[0]!.n).toBe(2);
}, 300_000);
