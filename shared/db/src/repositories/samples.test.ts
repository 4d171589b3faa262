import { createTestEnv, itemsOf, seedLedgerCampaign, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { finishGeneration, startAttempt, type WorkKey } from './question-stages.ts';
import { insertGrades, insertSamples, type NewSample, storedSampleIndexes, ungradedSamples } from './samples.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

/** Samples `indexes` as attempt `attempt` writes them: each in that attempt's own object. */
const samplesOf = (key: WorkKey, attempt: number, indexes: readonly number[]): NewSample[] =>
  indexes.map((i) => ({
    sampleIndex: i,
    seed: 100 * attempt + i,
    recipe: 'rft',
    endReason: 'stop',
    error: null,
    trajectoryKey: `${key.campaignId}/${key.questionId}/attempt-${attempt}.jsonl.zst`,
    trajectoryLine: i,
    turns: 1,
    toolCalls: 0,
    hints: 0,
    promptTokens: 10,
    cachedTokens: 0,
    completionTokens: 20,
    tokensSaved: 0,
    latencyMs: 5,
  }));

const storedRows = (key: WorkKey) =>
  env.db
    .selectFrom('samples')
    .select(['sample_index', 'attempt', 'trajectory_key'])
    .where('campaign_id', '=', key.campaignId)
    .where('question_id', '=', key.questionId)
    .orderBy('sample_index')
    .execute();

test('two attempts racing on one item store each sample index once, each row whole from one attempt', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'race', questions: 1, samples: 4 });
  const [key] = await itemsOf(env.db, id);
  const first = await startAttempt(env.db, key!, 'worker-a');
  const second = await startAttempt(env.db, key!, 'worker-b');
  const all = [0, 1, 2, 3];
  const inserted = await Promise.all([
    insertSamples(env.db, key!, first!.attempt, samplesOf(key!, first!.attempt, all)),
    insertSamples(env.db, key!, second!.attempt, samplesOf(key!, second!.attempt, all)),
  ]);
  expect(inserted[0]! + inserted[1]!).toBe(4);
  const rows = await storedRows(key!);
  expect(rows.map((r) => r.sample_index)).toEqual(all);
  for (const row of rows) expect(row.trajectory_key).toContain(`attempt-${row.attempt}.`);

  // A redelivered job writing the same samples again changes nothing.
  expect(await insertSamples(env.db, key!, second!.attempt, samplesOf(key!, second!.attempt, all))).toBe(0);
  expect(await storedRows(key!)).toEqual(rows);
});

test('a retried item regenerates only its missing indexes, and only the newest attempt may finish it', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'partial', questions: 1, samples: 4 });
  const [key] = await itemsOf(env.db, id);
  const first = await startAttempt(env.db, key!, 'worker-a');
  expect(await insertSamples(env.db, key!, first!.attempt, samplesOf(key!, first!.attempt, [0, 2]))).toBe(2);
  expect(await finishGeneration(env.db, key!, first!.attempt)).toBe(false); // two samples missing
  expect([...(await storedSampleIndexes(env.db, key!))].sort()).toEqual([0, 2]);

  const retry = await startAttempt(env.db, key!, 'worker-b');
  expect(await insertSamples(env.db, key!, retry!.attempt, samplesOf(key!, retry!.attempt, [0, 1, 2, 3]))).toBe(2);
  expect((await storedRows(key!)).map((r) => [r.sample_index, r.attempt])).toEqual([
    [0, first!.attempt],
    [1, retry!.attempt],
    [2, first!.attempt],
    [3, retry!.attempt],
  ]);
  expect(await finishGeneration(env.db, key!, first!.attempt)).toBe(false); // fenced by the retry
  expect(await finishGeneration(env.db, key!, retry!.attempt)).toBe(true);
  expect(await finishGeneration(env.db, key!, retry!.attempt)).toBe(false); // already generated
});

test('one verdict per (sample, grader version): a repeated grading keeps the first, a new version adds its own', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'verdicts', questions: 1, samples: 2 });
  const [key] = await itemsOf(env.db, id);
  const attempt = await startAttempt(env.db, key!, 'worker-a');
  await insertSamples(env.db, key!, attempt!.attempt, samplesOf(key!, attempt!.attempt, [0, 1]));
  const ungraded = await ungradedSamples(env.db, key!, 'v1');
  expect(ungraded.map((s) => s.sampleIndex)).toEqual([0, 1]);

  const verdict = (correct: boolean, graderVersion: string) =>
    ungraded.map((s) => ({ sampleId: s.id, graderVersion, correct, eligible: correct, reasons: [], metrics: {} }));
  await Promise.all([insertGrades(env.db, verdict(false, 'v1')), insertGrades(env.db, verdict(false, 'v1'))]);
  await insertGrades(env.db, verdict(true, 'v1'));
  expect(await ungradedSamples(env.db, key!, 'v1')).toEqual([]);
  expect((await ungradedSamples(env.db, key!, 'v2')).map((s) => s.sampleIndex)).toEqual([0, 1]);
  await insertGrades(env.db, verdict(true, 'v2'));

  const grades = await env.db
    .selectFrom('grades')
    .select(['grader_version', 'correct'])
    .where(
      'sample_id',
      'in',
      ungraded.map((s) => s.id),
    )
    .orderBy('grader_version')
    .execute();
  expect(grades).toEqual([
    { grader_version: 'v1', correct: false },
    { grader_version: 'v1', correct: false },
    { grader_version: 'v2', correct: true },
    { grader_version: 'v2', correct: true },
  ]);
});
