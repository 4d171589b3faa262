import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { exited, startHarness } from './campaign-harness.ts';

const QUESTIONS = 12;
const SAMPLES = 16;

let env: TestEnv;
let harness: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  env = await createTestEnv();
  harness = await startHarness(env, { decodeTokensPerSecond: 1500 });
});
afterAll(async () => {
  await harness?.close();
  await env?.cleanup();
});

test('SIGTERM drains active questions; SIGKILL mid-question and a restart still end with exactly questions x samples', async () => {
  const campaignId = await harness.submit(QUESTIONS, SAMPLES);

  // 1. SIGTERM while questions are running: the worker finishes them before exiting.
  const first = harness.startWorker();
  await harness.waitFor('questions in flight', async () => (await harness.counts(campaignId)).running >= 2);
  const inFlight = await sql<{ question_id: string }>`
    SELECT question_id FROM question_stages WHERE campaign_id = ${campaignId} AND status = 'running'`.execute(env.db);
  first.kill('SIGTERM');
  expect(await exited(first)).toEqual({ code: 0, signal: null });
  const afterDrain = await sql<{ status: string }>`
    SELECT status FROM question_stages WHERE campaign_id = ${campaignId} AND question_id = ANY(${inFlight.rows.map((r) => r.question_id)})`.execute(
    env.db,
  );
  expect(afterDrain.rows.every((r) => r.status === 'generated' || r.status === 'graded')).toBe(true);

  // 2. SIGKILL mid-question: its samples are lost in flight, then redone by the next worker.
  const second = harness.startWorker();
  await harness.waitFor('a question in flight after restart', async () => (await harness.counts(campaignId)).running >= 1);
  second.kill('SIGKILL');
  await exited(second);
  const killedRunning = (await harness.counts(campaignId)).running;
  expect(killedRunning).toBeGreaterThan(0);

  // 3. A fresh worker picks the stalled jobs up once their lock expires and finishes the campaign.
  harness.startWorker();
  await harness.waitFor('campaign completed', async () => (await harness.campaignStatus(campaignId)) === 'completed', 180_000);

  const counts = await harness.counts(campaignId);
  expect(counts.samples).toBe(QUESTIONS * SAMPLES);
  expect(counts.distinct_keys).toBe(QUESTIONS * SAMPLES);
  const perQuestion = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM samples WHERE campaign_id = ${campaignId} GROUP BY question_id`.execute(env.db);
  expect(perQuestion.rows.map((r) => r.n)).toEqual(Array(QUESTIONS).fill(SAMPLES));

  // Every sample row points at an object that exists; every question was graded once per sample.
  const keys = await sql<{ trajectory_key: string }>`SELECT DISTINCT trajectory_key FROM samples WHERE campaign_id = ${campaignId}`.execute(
    env.db,
  );
  for (const { trajectory_key } of keys.rows) expect(await env.store.head(trajectory_key)).not.toBeNull();
  const grades = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaignId}`.execute(env.db);
  expect(grades.rows[0]!.n).toBe(QUESTIONS * SAMPLES);

  // The dataset holds at most one sample per question, each from this campaign.
  const items = await sql<{ question_id: string }>`
    SELECT di.question_id FROM dataset_items di JOIN datasets d ON d.id = di.dataset_id WHERE d.campaign_id = ${campaignId}`.execute(
    env.db,
  );
  expect(items.rows.length).toBeGreaterThan(0);
  expect(new Set(items.rows.map((r) => r.question_id)).size).toBe(items.rows.length);
}, 300_000);
