import { createApiFixture, specYaml, questionsJsonl, completeItemAsWorkers, type ApiFixture } from '@rft/api/testing';
import { recordFailure, startAttempt, insertSamples, type WorkKey } from '@rft/db';
import { createJobWorker, UnrecoverableError } from '@rft/queue';
import { schedulerTick } from '@rft/scheduler';
import { silentLogger } from '@rft/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCliHarness } from './cli-test-harness.ts';
import { EXIT } from './exit-codes.ts';

let fx: ApiFixture;
let cli: Awaited<ReturnType<typeof createCliHarness>>;
let worker: Worker;
const settings = { rolloutWindow: 1000, lostJobGraceMs: 600_000 };

/** Questions whose first attempt dies after storing part of its samples, as a poisoned inference replica would cause. */
const FLAKY = new Set(['q1', 'q4', 'q5']);
const calls = new Map<string, number>();

beforeAll(async () => {
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  cli = await createCliHarness(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  // A rollout worker on the real queue: stores samples through the repositories, and on an
  // exhausted attempt records the final failure with its reason, as the rollout worker does.
  worker = createJobWorker(
    'rollout',
    async (payload: WorkKey) => {
      calls.set(payload.questionId, (calls.get(payload.questionId) ?? 0) + 1);
      if (FLAKY.has(payload.questionId) && calls.get(payload.questionId) === 1) {
        const attempt = await startAttempt(fx.env.db, payload, 'test-worker');
        if (!attempt) return;
        const partial = [0, 1].map((i) => ({
          sampleIndex: i,
          seed: i,
          recipe: 'rft',
          endReason: 'stop',
          error: null,
          trajectoryKey: `t/${payload.questionId}/a${attempt.attempt}`,
          trajectoryLine: i,
          turns: 1,
          toolCalls: 0,
          hints: 0,
          promptTokens: 100,
          cachedTokens: 0,
          completionTokens: 100,
          tokensSaved: 0,
          latencyMs: 100,
        }));
        await insertSamples(fx.env.db, payload, attempt.attempt, partial);
        const reason = `inference endpoint http://10.0.0.7:8000 returned 500 after 5 attempts (question ${payload.questionId})`;
        await recordFailure(fx.env.db, payload, attempt.attempt, reason, true);
        throw new UnrecoverableError(reason);
      }
      await completeItemAsWorkers(fx.env.db, payload);
    },
    fx.env.redis.duplicate(),
    fx.env.queuePrefix,
    { concurrency: 4 },
  );
  worker.on('error', () => {});
  void worker.run();
});

afterAll(async () => {
  await worker.close();
  await cli.cleanup();
  await fx.close();
});

async function drain(campaignId: string): Promise<void> {
  for (;;) {
    const busy = await fx.env.db
      .selectFrom('question_stages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where('status', 'in', ['queued', 'running', 'generated'])
      .executeTakeFirstOrThrow();
    const counts = await fx.queues.queue('rollout').getJobCounts('wait', 'active', 'delayed', 'prioritized');
    if (Number(busy.n) === 0 && Object.values(counts).every((n) => n === 0)) return;
    await sleep(50);
  }
}

test('on call: failed shards are listed with reasons, retried once, and the sample set ends with no gap and no duplicate', async () => {
  const spec = await cli.file('spec.yaml', specYaml({ name: 'on-call', samples: 4, shardSize: 2 }));
  const questions = await cli.file('q.jsonl', questionsJsonl(8));
  const submitted = await cli.run(['submit', spec, questions, '--json'], { token: fx.tokens.submitter });
  expect(submitted.code, submitted.stderr).toBe(0);
  const id: string = submitted.json().id;

  expect((await schedulerTick(fx.env.db, fx.queues, settings, silentLogger())).enqueued).toBe(8);
  await drain(id);
  await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());

  const shardTable = await cli.run(['shards', id], { token: fx.tokens.operator });
  expect(shardTable.code).toBe(0);
  expect(shardTable.stdout).toMatch(/^\s*0\s+failed\s+2\s+1\s+1\b/m);
  expect(shardTable.stdout).toMatch(/^\s*2\s+failed\s+2\s+0\s+2\b/m);
  expect(shardTable.stdout).toMatch(/^\s*1\s+completed\b/m);

  const failed = await cli.run(['shards', id, '--failed'], { token: fx.tokens.operator });
  expect(failed.code).toBe(0);
  for (const q of FLAKY)
    expect(failed.stdout).toContain(`inference endpoint http://10.0.0.7:8000 returned 500 after 5 attempts (question ${q})`);
  expect(failed.stdout).toContain('3 of 3 failed items');
  expect(failed.stdout).toContain(`rft retry ${id}`);
  const failedJson = (await cli.run(['shards', id, '--failed', '--json'], { token: fx.tokens.operator })).json();
  expect(failedJson.items.map((f: { questionId: string }) => f.questionId)).toEqual(['q1', 'q4', 'q5']);

  const denied = await cli.run(['retry', id], { token: fx.tokens.submitter });
  expect(denied.code).toBe(4);
  const retried = await cli.run(['retry', id], { token: fx.tokens.operator });
  expect(retried.code, retried.stderr).toBe(0);
  expect(retried.stdout).toContain('moved 3 failed work items back to pending in shards 0, 2');
  const again = await cli.run(['retry', id], { token: fx.tokens.operator });
  expect([again.code, again.stderr]).toEqual([EXIT.failure, `rft: nothing to retry: no failed work items in any shard of campaign ${id}`]);
  const noShard = await cli.run(['retry', id, '--shard', '99'], { token: fx.tokens.operator });
  expect(noShard.code).toBe(EXIT.notFound);
  expect(noShard.stderr).toContain('has no shard 99');

  const readmit = await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
  expect(readmit.enqueued).toBe(3);
  // The worker may finish the three before this second tick: then this tick moves the campaign
  // to curating, otherwise the one after the drain does. Either way, exactly once.
  const second = await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
  expect(second.enqueued).toBe(0);
  await drain(id);
  const final = await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
  expect([...second.curating, ...final.curating]).toEqual([id]);
  expect(Object.fromEntries([...calls].sort())).toEqual({ q0: 1, q1: 2, q2: 1, q3: 1, q4: 2, q5: 2, q6: 1, q7: 1 });

  const samples = await fx.env.db
    .selectFrom('samples')
    .select(['question_id', 'sample_index', 'attempt'])
    .where('campaign_id', '=', id)
    .execute();
  const keys = samples.map((s) => `${s.question_id}#${s.sample_index}`);
  const expected = Array.from({ length: 8 }, (_, q) => Array.from({ length: 4 }, (_, i) => `q${q}#${i}`)).flat();
  expect(new Set(keys).size).toBe(keys.length);
  expect([...keys].sort()).toEqual([...expected].sort());
  // The first attempt's partial samples were kept; the retry generated only the missing ones.
  expect(
    samples
      .filter((s) => s.question_id === 'q1')
      .map((s) => [s.sample_index, s.attempt])
      .sort(),
  ).toEqual([
    [0, 1],
    [1, 1],
    [2, 2],
    [3, 2],
  ]);

  const trail = await cli.run(['audit', id], { token: fx.tokens.submitter });
  expect(trail.stdout).toMatch(/campaign\.create\s+campaign/);
  expect(trail.stdout).toMatch(/oncall \(operator, token [0-9a-f-]+\)\s+campaign\.retry\s+campaign\s+\{.*"itemsMovedToPending":3/);

  const status = await cli.run(['status', id, '--json'], { token: fx.tokens.submitter });
  const detail = status.json();
  expect(detail.campaign.status).toBe('curating');
  expect(detail.stages[0]).toMatchObject({ samples: 32, expectedSamples: 32, graded: 32 });
  const text = await cli.run(['status', id], { token: fx.tokens.submitter });
  expect(text.stdout).toContain('sampled   [########################] 100%  32/32 samples');
});
