import { pipelineSteps } from '@rft/db';
import { CampaignStepOutput } from '@rft/pipeline';
import { startFrontSteps } from '@rft/pipeline/testing';
import { createJobQueues, createRedisConnection } from '@rft/queue';
import { createScheduler } from '@rft/scheduler';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, deleteRedisPrefix, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoQuestions, startHarness } from './campaign-harness.ts';
import { jsonl, storePipeline } from './pipeline-submission.ts';

const FRONT = startFrontSteps('base', 'train.jsonl');

/**
 * The first two steps of START on the real services (model-sim, rollout worker processes, grader,
 * curator, scheduler): greedy on decontaminated questions, then Hint-infer on the ones greedy got
 * wrong. Midway, Redis is wiped and a second scheduler comes and goes; the ledger carries on.
 */

const QUESTIONS = 10;

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

/** The pipeline under test, stored as the API's submit does. */
function submit(questions: object[], benchmark: object[]): Promise<string> {
  return storePipeline(
    env,
    () => ({
      name: 'start-restart',
      models: { base: { name: 'qwq-32b-sim', endpoints: [harness.simUrl] } },
      benchmarks: { held: { file: 'held.jsonl' } },
      decontamination: { benchmarks: ['held'] },
      steps: { greedy: FRONT.greedy, hint: FRONT.hint },
    }),
    { 'train.jsonl': jsonl(questions) },
    { held: benchmark },
  );
}

const steps = async (id: string) => Object.fromEntries((await pipelineSteps(env.db, id)).map((s) => [s.name, s]));

test('greedy then Hint-infer on what greedy got wrong, through a Redis wipe and a second scheduler', async () => {
  const questions = demoQuestions(QUESTIONS);
  // The benchmark holds one training question word for word: it must never be sampled.
  const planted = questions[3]!;
  const id = await submit(questions, [{ ...planted, id: 'held-0' }]);
  harness.startWorker();

  const greedyRunning = await harness.waitFor('greedy running', async () => {
    const s = (await steps(id))['greedy'];
    return s?.status === 'running' && CampaignStepOutput.parse(s.output);
  });
  expect(greedyRunning).toMatchObject({ questions: QUESTIONS, admitted: QUESTIONS - 1, excludedByBenchmark: { held: 1 } });
  expect(greedyRunning.exclusions).toEqual([
    expect.objectContaining({ questionId: planted.id, benchmark: 'held', problemId: 'held-0', match: 'exact' }),
  ]);

  // Mid-campaign: every job in Redis is lost, and a second scheduler runs beside the first for a while.
  await harness.waitFor('greedy samples', async () => (await harness.counts(greedyRunning.campaignId!)).samples >= 1);
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  const connection = createRedisConnection(env.redisUrl, 'producer');
  const queues = createJobQueues(connection, env.queuePrefix);
  const second = createScheduler(
    { db: env.db, queues, store: env.store, log: silentLogger() },
    { rolloutWindow: 8, lostJobGraceMs: 3000, tickMs: 150 },
  );
  second.start();

  const done = await harness.waitFor(
    'both steps succeeded',
    async () => {
      const s = await steps(id);
      return s['greedy']?.status === 'succeeded' && s['hint']?.status === 'succeeded' && s;
    },
    240_000,
  );
  await second.close();
  await queues.close();
  connection.disconnect();

  // Greedy sampled every admitted question once; Hint-infer exactly the ones it got wrong.
  const greedy = CampaignStepOutput.parse(done['greedy']!.output);
  const hint = CampaignStepOutput.parse(done['hint']!.output);
  expect(greedy.campaignId).toBe(greedyRunning.campaignId);
  const verdicts = await sql<{ question_id: string; correct: boolean }>`
    SELECT s.question_id, bool_or(g.correct) AS correct FROM samples s JOIN grades g ON g.sample_id = s.id
    WHERE s.campaign_id = ${greedy.campaignId} GROUP BY s.question_id ORDER BY s.question_id`.execute(env.db);
  expect(verdicts.rows.map((r) => r.question_id)).not.toContain(planted.id);
  expect(verdicts.rows).toHaveLength(QUESTIONS - 1);
  const wrong = verdicts.rows.filter((r) => !r.correct).map((r) => r.question_id);
  // model-sim (seed 7) gets some of these wrong greedily: the admission has something to admit.
  expect(wrong.length).toBeGreaterThan(0);
  expect(hint).toMatchObject({ admitted: wrong.length, refusedByRule: QUESTIONS - 1 - wrong.length, ungraded: 0 });
  const campaigns = await sql<{ id: string; samples: number; questions: string[] }>`
    SELECT c.id, (SELECT count(*)::int FROM samples s WHERE s.campaign_id = c.id) AS samples,
      ARRAY(SELECT q.question_id FROM questions q WHERE q.campaign_id = c.id ORDER BY q.question_id) AS questions
    FROM campaigns c ORDER BY c.created_at`.execute(env.db);
  // One campaign per step, never two, whatever the wipe and the second scheduler did.
  expect(campaigns.rows.map((c) => c.id)).toEqual([greedy.campaignId, hint.campaignId]);
  expect(campaigns.rows[0]!.samples).toBe(QUESTIONS - 1);
  expect(campaigns.rows[1]).toMatchObject({ samples: wrong.length, questions: [...wrong].sort() });
}, 300_000);
