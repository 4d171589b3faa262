import { InfrastructureUnavailableError } from '@rft/contracts';
import { createTestEnv, deleteRedisPrefix, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CircuitBreakers, waitUntil } from './circuit-breakers.ts';
import { createJobQueues, type JobQueues } from './job-queues.ts';
import { createJobWorker } from './job-worker.ts';

let env: TestEnv;
let queues: JobQueues;
beforeAll(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
});
afterAll(async () => {
  await queues.close();
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  await env.cleanup();
});

test('trips once per outage however many jobs report it, and each new trip doubles the open period', async () => {
  const breakers = new CircuitBreakers(env.redis, `${env.queuePrefix}:a`, { baseOpenMs: 1_000, maxOpenMs: 4_000 });
  const t0 = 1_000_000;
  const first = await breakers.trip('inference', 'replica http://r1: HTTP 503', t0);
  expect(first).toMatchObject({ openUntil: t0 + 1_000, trips: 1 });
  // Fifty jobs hitting the same outage while the breaker is open: still one trip, newest reason kept.
  for (let i = 0; i < 50; i++) await breakers.trip('inference', `replica http://r1: HTTP 503 (${i})`, t0 + 10);
  expect(await breakers.state('inference', t0 + 20)).toEqual({
    resource: 'inference',
    openUntil: t0 + 1_000,
    trips: 1,
    reason: 'replica http://r1: HTTP 503 (49)',
  });
  expect(await breakers.open(t0 + 20)).toHaveLength(1);
  // Still failing after it reopened for a probe: open twice as long, then capped.
  expect((await breakers.trip('inference', 'x', t0 + 1_000)).openUntil).toBe(t0 + 1_000 + 2_000);
  expect((await breakers.trip('inference', 'x', t0 + 3_000)).openUntil).toBe(t0 + 3_000 + 4_000);
  expect((await breakers.trip('inference', 'x', t0 + 7_000)).openUntil).toBe(t0 + 7_000 + 4_000);
  expect(await breakers.open(t0 + 11_000)).toEqual([]);
  // A success closes it and forgets the streak.
  await breakers.recordSuccess('inference');
  expect((await breakers.trip('inference', 'x', t0 + 20_000)).trips).toBe(1);
});

test('a waiting job returns after the open period, spread over a fifth of it', () => {
  const state = { resource: 'inference' as const, openUntil: 10_000, trips: 3, reason: '' };
  expect(waitUntil(state, 5_000, () => 0)).toBe(10_000);
  expect(waitUntil(state, 5_000, () => 0.999)).toBe(10_000 + 999);
  // Already past: at least a second, so a closed-then-reopened breaker is not hammered.
  expect(waitUntil(state, 20_000, () => 0)).toBe(21_000);
});

test('an infrastructure fault sends the job back to wait without spending an attempt; a success closes the breaker', async () => {
  const payload = { campaignId: '00000000-0000-4000-8000-000000000002', questionId: 'q1', stage: 'rft' };
  let calls = 0;
  const waits: string[] = [];
  const worker = createJobWorker(
    'rollout',
    async () => {
      calls++;
      // Three outages in a row, then the store is back: more faults than the job has attempts (5).
      if (calls <= 6)
        throw new InfrastructureUnavailableError('object-store', `object store put k failed: ServiceUnavailable (HTTP 503) #${calls}`);
    },
    env.redis.duplicate({ maxRetriesPerRequest: null }),
    env.queuePrefix,
    {
      concurrency: 1,
      resources: ['object-store'],
      breakerSettings: { baseOpenMs: 50, maxOpenMs: 200 },
      onWait: (_job, resource, _until, reason) => waits.push(`${resource}: ${reason}`),
    },
  );
  const completed = new Promise<void>((resolve) => worker.once('completed', () => resolve()));
  void worker.run();
  await queues.add('rollout', payload);
  await completed;
  await worker.close();
  expect(calls).toBe(7);
  expect(waits.length).toBeGreaterThanOrEqual(6);
  expect(waits[0]).toBe('object-store: object store put k failed: ServiceUnavailable (HTTP 503) #1');
  const job = await queues.queue('rollout').getJob(`r.${payload.campaignId}.rft.q1`);
  // Completed jobs are removed; had an attempt been spent the job would have failed at the fifth.
  expect(job).toBeUndefined();
  expect(await queues.breakers.open()).toEqual([]);
}, 30_000);
