import { createTestEnv, type TestEnv } from '@rft/testing';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, expect, test } from 'vitest';
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
  await env.cleanup();
});

const payload = { campaignId: '00000000-0000-4000-8000-000000000001', questionId: 'q:1/a', stage: 'rft' };

test('an add with the id of a waiting job is a no-op: one job per work item', async () => {
  await queues.add('rollout', payload);
  await queues.add('rollout', payload);
  await queues.addBulk('rollout', [payload, payload]);
  expect(await queues.queue('rollout').getJobCounts('wait')).toEqual({ wait: 1 });
  await queues.queue('rollout').obliterate({ force: true });
});

test('an add replaces a failed job with the same id, so a retried item is re-admitted', async () => {
  const worker = createJobWorker(
    'grade',
    async () => {
      throw new UnrecoverableError('boom');
    },
    env.redis.duplicate({ maxRetriesPerRequest: null }),
    env.queuePrefix,
    { concurrency: 1 },
  );
  const failed = new Promise<void>((resolve) => worker.once('failed', () => resolve()));
  void worker.run();
  await queues.add('grade', payload);
  await failed;
  await worker.close();
  expect(await queues.queue('grade').getJobCounts('failed', 'wait')).toEqual({ failed: 1, wait: 0 });

  await queues.addBulk('grade', [payload]);
  expect(await queues.queue('grade').getJobCounts('failed', 'wait')).toEqual({ failed: 0, wait: 1 });
  expect(await queues.exists('grade', payload)).toBe(true);
});

test('payloads are validated before anything reaches Redis', async () => {
  await expect(queues.add('curate', { campaignId: 'not-a-uuid' })).rejects.toThrow(/campaignId/);
});
