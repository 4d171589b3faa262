import { createTestEnv, failItemAsWorker, completeItemAsWorkers, itemsOf, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { refreshShards, startAttempt } from './question-stages.ts';
import { shardHealth } from './shard-health.ts';
import { quarantineQuestion } from './work-control.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const stored = (campaignId: string) =>
  env.db
    .selectFrom('shards')
    .select(['shard_index', 'status', 'last_error'])
    .where('campaign_id', '=', campaignId)
    .orderBy('shard_index')
    .execute();

test('the roll-up stores, and the shard view shows, the newest failure even when an older one sorts after it', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'newest-error', questions: 3, shardSize: 3 });
  const [first, second] = await itemsOf(env.db, id);
  await failItemAsWorker(env.db, first!, 'zz: sandbox unreachable');
  await failItemAsWorker(env.db, second!, 'aa: inference timed out');
  // Alphabetical order (zz > aa) and time order (aa is newer) disagree.
  await sql`UPDATE question_stages SET updated_at = now() - interval '1 minute' WHERE campaign_id = ${id} AND question_id = ${first!.questionId}`.execute(
    env.db,
  );
  await refreshShards(env.db, id, 0);
  expect(await stored(id)).toEqual([{ shard_index: 0, status: 'running', last_error: 'aa: inference timed out' }]);
  const [view] = await shardHealth(env.db, id);
  expect(view).toMatchObject({ state: 'running', lastError: 'aa: inference timed out', failed: 2 });

  // The older item is retried and fails again: it is now the newest.
  await env.db
    .updateTable('question_stages')
    .set({ status: 'pending' })
    .where('campaign_id', '=', id)
    .where('question_id', '=', first!.questionId)
    .execute();
  await failItemAsWorker(env.db, first!, 'zz: sandbox unreachable again');
  await refreshShards(env.db, id, 0);
  expect((await stored(id))[0]!.last_error).toBe('zz: sandbox unreachable again');
  expect((await shardHealth(env.db, id))[0]!.lastError).toBe('zz: sandbox unreachable again');
});

test('the stored roll-up and the live shard view derive the same state through every stage of a shard', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'states', questions: 8, shardSize: 2, samples: 2 });
  const items = await itemsOf(env.db, id);
  // shard 0: untouched (pending); shard 1: one item started (running); shard 2: all graded or
  // quarantined (completed); shard 3: one graded, one failed (failed).
  await startAttempt(env.db, items[2]!, 'worker-test');
  await completeItemAsWorkers(env.db, items[4]!);
  await quarantineQuestion(env.db, id, items[5]!.questionId, 'poison');
  await completeItemAsWorkers(env.db, items[6]!);
  await failItemAsWorker(env.db, items[7]!, 'boom');
  await refreshShards(env.db, id, 0);
  const expected = ['pending', 'running', 'completed', 'failed'];
  expect((await stored(id)).map((s) => s.status)).toEqual(expected);
  expect((await shardHealth(env.db, id)).map((s) => s.state)).toEqual(expected);
  expect((await stored(id)).map((s) => s.last_error)).toEqual([null, null, null, 'boom']);
});
