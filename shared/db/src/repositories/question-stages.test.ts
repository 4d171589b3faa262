import { completeItemAsWorkers, createTestEnv, itemsOf, seedLedgerCampaign, testSample, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { setCampaignStatus } from './campaigns.ts';
import { insertDataset } from './datasets.ts';
import { claimPending, failGrading, finishGeneration, startAttempt, staleInFlight, touch, type WorkKey } from './question-stages.ts';
import { insertSamples } from './samples.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const keyOf = (k: WorkKey) => `${k.campaignId}/${k.questionId}/${k.stage}`;

test('schedulers claiming at once never hand out the same item, and every pending item is handed out', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'claims', questions: 30, stages: ['rft', 'hint'] });
  await setCampaignStatus(env.db, id, 'running');
  // Other tests' campaigns may be running too: only this campaign's items are counted.
  const claimed: WorkKey[] = [];
  for (let round = 0; round < 20; round++) {
    const batches = await Promise.all([claimPending(env.db, 7), claimPending(env.db, 7), claimPending(env.db, 7)]);
    const mine = batches.flat().filter((k) => k.campaignId === id);
    claimed.push(...mine);
    if (batches.every((b) => b.length === 0)) break;
  }
  expect(claimed).toHaveLength(60);
  expect(new Set(claimed.map(keyOf)).size).toBe(60);
  expect(new Set((await itemsOf(env.db, id)).map((i) => i.status))).toEqual(new Set(['queued']));
});

test('a campaign that is not running has nothing claimed', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'paused', questions: 2 });
  await setCampaignStatus(env.db, id, 'paused');
  const claimed = await claimPending(env.db, 1000);
  expect(claimed.filter((k) => k.campaignId === id)).toEqual([]);
});

test('a stale or duplicated job finds a settled item and does nothing', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'settled', questions: 1, samples: 2 });
  const [key] = await itemsOf(env.db, id);
  await completeItemAsWorkers(env.db, key!);
  expect(await startAttempt(env.db, key!, 'late-worker')).toBeNull();
  expect((await itemsOf(env.db, id))[0]!.status).toBe('graded');
});

test('a lost object fails its item and drops exactly its sample rows that no dataset holds', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'lost-object', questions: 1, samples: 4 });
  const [key] = await itemsOf(env.db, id);
  const started = await startAttempt(env.db, key!, 'worker-a');
  const sample = (i: number, object: string) =>
    testSample({ sampleIndex: i, seed: i, endReason: 'stop', trajectoryKey: object, trajectoryLine: i });
  await insertSamples(env.db, key!, started!.attempt, [sample(0, 'lost'), sample(1, 'lost'), sample(2, 'lost'), sample(3, 'kept')]);
  expect(await finishGeneration(env.db, key!, started!.attempt)).toBe(true);
  const rows = await env.db
    .selectFrom('samples')
    .select(['id', 'sample_index'])
    .where('campaign_id', '=', id)
    .orderBy('sample_index')
    .execute();
  // A dataset already holds sample 0: its row stays, whatever happened to the object since.
  await insertDataset(env.db, {
    id: `ds-${id}`,
    campaignId: id,
    name: 'held',
    selection: {},
    storagePrefix: 'p',
    manifestKey: 'm',
    manifestSha256: 'h',
    createdBy: 'test',
    items: [{ sampleId: rows[0]!.id, questionId: key!.questionId }],
  });

  expect(await failGrading(env.db, key!, 'object lost: lost', 'lost')).toEqual({ failed: true, samplesDropped: 2 });
  const left = await env.db.selectFrom('samples').select('sample_index').where('campaign_id', '=', id).orderBy('sample_index').execute();
  expect(left.map((r) => r.sample_index)).toEqual([0, 3]);
  expect((await itemsOf(env.db, id))[0]!.status).toBe('failed');
  // The item is no longer generated: a second report changes nothing.
  expect(await failGrading(env.db, key!, 'object lost: lost', 'kept')).toEqual({ failed: false, samplesDropped: 0 });
});

test('the lost-job sweep sees in-flight items idle past the grace, and a heartbeat takes an item off it', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'stale', questions: 3 });
  const [queued, running, pending] = await itemsOf(env.db, id);
  await sql`UPDATE question_stages SET status = 'queued' WHERE campaign_id = ${id} AND question_id = ${queued!.questionId}`.execute(env.db);
  await startAttempt(env.db, running!, 'worker-a');
  await sql`UPDATE question_stages SET updated_at = now() - interval '1 hour' WHERE campaign_id = ${id}`.execute(env.db);
  const stale = async () => (await staleInFlight(env.db, 60_000, 10_000)).filter((k) => k.campaignId === id);

  expect((await stale()).map((k) => [k.questionId, k.status]).sort()).toEqual([
    [queued!.questionId, 'queued'],
    [running!.questionId, 'running'],
  ]);
  expect((await stale()).some((k) => k.questionId === pending!.questionId)).toBe(false);
  await touch(env.db, running!);
  expect((await stale()).map((k) => k.questionId)).toEqual([queued!.questionId]);
});
