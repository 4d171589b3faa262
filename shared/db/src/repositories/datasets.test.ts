import { completeItemAsWorkers, createTestEnv, itemsOf, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { insertDataset, type NewDataset } from './datasets.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

/** A campaign with every item graded, and its sample rows by question. */
async function gradedCampaign(name: string): Promise<{ id: string; samples: Array<{ id: string; question_id: string }> }> {
  const id = await seedLedgerCampaign(env.db, { name, questions: 3, samples: 2 });
  for (const item of await itemsOf(env.db, id)) await completeItemAsWorkers(env.db, item);
  const samples = await env.db.selectFrom('samples').select(['id', 'question_id']).where('campaign_id', '=', id).orderBy('id').execute();
  return { id, samples };
}

const datasetOf = (campaignId: string, id: string, items: NewDataset['items']): NewDataset => ({
  id,
  campaignId,
  name: 'v1',
  selection: { policy: 'test' },
  storagePrefix: `datasets/${id}`,
  manifestKey: `datasets/${id}/manifest.json`,
  manifestSha256: id,
  createdBy: 'test',
  items,
});

const rowsOf = (datasetId: string) =>
  env.db
    .selectFrom('dataset_items')
    .select(['question_id', 'sample_id'])
    .where('dataset_id', '=', datasetId)
    .orderBy('question_id')
    .execute();

test('a dataset version registered twice, even at once, is stored once with its rows once', async () => {
  const { id, samples } = await gradedCampaign('dataset-twice');
  const onePerQuestion = ['q0', 'q1', 'q2'].map((q) => ({ sampleId: samples.find((s) => s.question_id === q)!.id, questionId: q }));
  const register = () => env.db.transaction().execute((tx) => insertDataset(tx, datasetOf(id, `sha-${id}`, onePerQuestion)));
  const results = await Promise.all([register(), register()]);
  expect(results.sort()).toEqual([false, true]);
  expect(await register()).toBe(false);
  expect(await rowsOf(`sha-${id}`)).toHaveLength(3);
  const versions = await env.db.selectFrom('datasets').select('row_count').where('campaign_id', '=', id).execute();
  expect(versions).toEqual([{ row_count: 3 }]);
});

test('a dataset with two rows for one question is refused whole', async () => {
  const { id, samples } = await gradedCampaign('dataset-duplicate-question');
  const [a, b] = samples.filter((s) => s.question_id === 'q0');
  const twoForQ0 = [
    { sampleId: a!.id, questionId: 'q0' },
    { sampleId: b!.id, questionId: 'q0' },
  ];
  await expect(env.db.transaction().execute((tx) => insertDataset(tx, datasetOf(id, `dup-${id}`, twoForQ0)))).rejects.toThrow(
    /dataset_items_dataset_id_question_id_key/,
  );
  expect(await env.db.selectFrom('datasets').select('id').where('id', '=', `dup-${id}`).execute()).toEqual([]);
});
