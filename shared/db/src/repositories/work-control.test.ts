import { createTestEnv, failItemAsWorker, itemsOf, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { getCampaign, setCampaignStatus } from './campaigns.ts';
import { quarantineQuestion, retryFailedItems } from './work-control.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

test('a retry issued twice at once re-admits each failed item exactly once and reopens the campaign', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'retry-twice', questions: 6, shardSize: 2 });
  const items = await itemsOf(env.db, id);
  for (const item of items.slice(0, 3)) await failItemAsWorker(env.db, item, 'boom');
  await setCampaignStatus(env.db, id, 'failed');

  const moved = await Promise.all([
    env.db.transaction().execute((tx) => retryFailedItems(tx, id)),
    env.db.transaction().execute((tx) => retryFailedItems(tx, id)),
  ]);
  const all = moved.flat().map((k) => k.questionId);
  expect(all.sort()).toEqual(items.slice(0, 3).map((k) => k.questionId));
  expect((await itemsOf(env.db, id)).map((k) => k.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
  expect((await getCampaign(env.db, id))?.status).toBe('running');
});

test('a retry limited to some shards leaves the failed items of other shards failed', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'retry-shard', questions: 4, shardSize: 2 });
  const items = await itemsOf(env.db, id);
  for (const item of items) await failItemAsWorker(env.db, item, 'boom');
  const moved = await env.db.transaction().execute((tx) => retryFailedItems(tx, id, [1]));
  expect(moved.map((k) => k.shardIndex)).toEqual([1, 1]);
  expect((await itemsOf(env.db, id)).map((k) => k.status)).toEqual(['failed', 'failed', 'pending', 'pending']);
});

test('a quarantined question is taken out of the flow and a retry never brings it back', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'quarantine', questions: 2, stages: ['rft', 'hint'] });
  const taken = await quarantineQuestion(env.db, id, 'q0', 'poison');
  expect(taken?.map((k) => k.stage).sort()).toEqual(['hint', 'rft']);
  expect(await quarantineQuestion(env.db, id, 'no-such-question', 'poison')).toBeNull();
  await env.db.transaction().execute((tx) => retryFailedItems(tx, id));
  const q0 = (await itemsOf(env.db, id)).filter((k) => k.questionId === 'q0');
  expect(q0.map((k) => k.status)).toEqual(['quarantined', 'quarantined']);
});
