import { insertSamples, type NewSample } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import { UnrecoverableError } from '@rft/queue';
import { encodeJsonlZst, type ObjectStore } from '@rft/storage';
import { createTestEnv, testSample, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sampleRow } from './dataset/test-support.ts';
import { loadSelectedRows } from './selected-rows.ts';
import type { Candidate } from './selection/index.ts';

let env: TestEnv;
let campaignId: string;
const QUESTIONS = 40;
const SAMPLES = 3;
const objectKey = (questionId: string) => `trajectories/selected-rows-test/${questionId}.jsonl.zst`;
/** sample id by `${questionId}/${sampleIndex}` */
const sampleIds = new Map<string, string>();

const sample = (questionId: string, sampleIndex: number): NewSample =>
  testSample({
    sampleIndex,
    seed: sampleIndex,
    trajectoryKey: objectKey(questionId),
    trajectoryLine: sampleIndex,
    toolCalls: 1,
    hints: 1,
    promptTokens: 10,
    completionTokens: 100,
  });

beforeAll(async () => {
  env = await createTestEnv();
  const spec = parseCampaignSpec(`name: c\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: ${SAMPLES} }]\n`, 'spec.yaml');
  const rows = Array.from({ length: QUESTIONS }, (_, i) => sampleRow(i + 1));
  campaignId = await registerCampaign(
    env.db,
    spec,
    rows.map((r) => r.question),
    'test',
  );
  for (const { question, trajectory } of rows) {
    // One object per question attempt, one line per sample, as the rollout worker stores them.
    const lines = Array.from({ length: SAMPLES }, (_, sampleIndex) => ({ ...trajectory, campaignId, stage: 'rft', sampleIndex }));
    await env.store.put(objectKey(question.id), encodeJsonlZst(lines));
    await insertSamples(
      env.db,
      { campaignId, questionId: question.id, stage: 'rft' },
      1,
      lines.map((_, i) => sample(question.id, i)),
    );
  }
  const ids = await sql<{ id: string; question_id: string; sample_index: number }>`
    SELECT id, question_id, sample_index FROM samples`.execute(env.db);
  for (const r of ids.rows) sampleIds.set(`${r.question_id}/${r.sample_index}`, r.id);
});
afterAll(async () => {
  await env.cleanup();
});

function candidate(questionId: string, sampleIndex: number): Candidate {
  return {
    questionId,
    stage: 'rft',
    sampleIndex,
    sampleId: sampleIds.get(`${questionId}/${sampleIndex}`)!,
    verdict: { correct: true, eligible: true, reasons: [], metrics: {}, graderVersion: 'g1' },
    responseChars: 100,
  };
}

/** The real store, with its GETs counted: how many, and how many at once. */
function countingStore(store: ObjectStore) {
  const gets = { total: 0, running: 0, most: 0 };
  const counted: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
    async get(key: string) {
      gets.total++;
      gets.running++;
      gets.most = Math.max(gets.most, gets.running);
      try {
        return await store.get(key);
      } finally {
        gets.running--;
      }
    },
  });
  return { gets, store: counted };
}

/** Questions in reverse order, one sample each, and two samples of every fifth (one object, one GET). */
function selection(): Candidate[] {
  const selected: Candidate[] = [];
  for (let q = QUESTIONS; q >= 1; q--) {
    const questionId = sampleRow(q).question.id;
    selected.push(candidate(questionId, q % SAMPLES));
    if (q % 5 === 0) selected.push(candidate(questionId, (q + 1) % SAMPLES));
  }
  return selected;
}

test('rows come in selection order with their own trajectory line, one GET per object, several in flight', async () => {
  const selected = selection();
  const { gets, store } = countingStore(env.store);
  const rows = [];
  for await (const row of loadSelectedRows({ db: env.db, store }, campaignId, selected, 4)) rows.push(row);
  expect(rows.map((r) => r.sampleId)).toEqual(selected.map((c) => c.sampleId));
  for (const [i, row] of rows.entries()) {
    expect(row.question.id).toBe(selected[i]!.questionId);
    expect(row.trajectory.questionId).toBe(selected[i]!.questionId);
    expect(row.trajectory.sampleIndex).toBe(selected[i]!.sampleIndex);
    expect(row.verdict).toBe(selected[i]!.verdict);
  }
  expect(gets.total).toBe(QUESTIONS);
  expect(gets.most).toBeGreaterThan(1);
  expect(gets.most).toBeLessThanOrEqual(4);
});

test('a prefetch of 1 reads one object at a time and yields the same rows', async () => {
  const selected = selection();
  const { gets, store } = countingStore(env.store);
  const ids = [];
  for await (const row of loadSelectedRows({ db: env.db, store }, campaignId, selected, 1)) ids.push(row.sampleId);
  expect(ids).toEqual(selected.map((c) => c.sampleId));
  expect(gets.most).toBe(1);
});

test('a missing object fails the load as unrecoverable, after the rows before it', async () => {
  const selected = selection();
  const gone = selected[8]!; // question 34, after the pair of question 35
  const bytes = await env.store.get(objectKey(gone.questionId));
  await env.store.delete([objectKey(gone.questionId)]);
  try {
    const seen: string[] = [];
    const load = (async () => {
      for await (const row of loadSelectedRows(env, campaignId, selected, 8)) seen.push(row.sampleId);
    })();
    await expect(load).rejects.toThrow(UnrecoverableError);
    await expect(load).rejects.toThrow(`trajectory object ${objectKey(gone.questionId)} is missing`);
    expect(seen).toEqual(selected.slice(0, 8).map((c) => c.sampleId));
  } finally {
    await env.store.put(objectKey(gone.questionId), bytes!);
  }
});
