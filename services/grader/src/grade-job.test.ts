import { insertDataset, insertSamples } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import type { JobContext } from '@rft/queue';
import { UnrecoverableError } from '@rft/queue';
import type { ObjectStore } from '@rft/storage';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runGradeJob, type SampleGrader } from './grade-job.ts';

let env: TestEnv;
let campaignId: string;
// Never reached in these tests: they fail before any sample is graded.
const grader: SampleGrader = {
  version: 'test',
  grade: () => Promise.reject(new Error('not expected to grade')),
};
const context = (isLastAttempt: boolean) =>
  ({ job: { id: 'grade-test' }, signal: new AbortController().signal, attemptsMade: 1, isLastAttempt }) as unknown as JobContext;
const itemOf = async (questionId: string) =>
  sql<{ status: string; last_error: string | null }>`SELECT status, last_error FROM question_stages WHERE question_id = ${questionId}`
    .execute(env.db)
    .then((r) => r.rows[0]!);

beforeAll(async () => {
  env = await createTestEnv();
  const spec = parseCampaignSpec('name: g\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: 1 }]\n', 'spec.yaml');
  const questions = ['lost', 'flaky', 'released'].map((id) => ({ id, kind: 'math' as const, problem: 'p', answer: '1' }));
  campaignId = await registerCampaign(env.db, spec, questions, 'test');
  for (const questionId of ['lost', 'flaky', 'released']) {
    await insertSamples(env.db, { campaignId, questionId, stage: 'rft' }, 1, [
      {
        sampleIndex: 0,
        seed: 0,
        recipe: 'rft',
        endReason: 'eos',
        error: null,
        trajectoryKey: `trajectories/${questionId}-never-written.jsonl.zst`,
        trajectoryLine: 0,
        turns: 1,
        toolCalls: 0,
        hints: 0,
        promptTokens: 1,
        cachedTokens: 0,
        completionTokens: 1,
        tokensSaved: 0,
        latencyMs: 1,
      },
    ]);
  }
  await sql`UPDATE question_stages SET status = 'generated'`.execute(env.db);
  // A dataset version already holds the sample of 'released' (regrading it under a new grader version).
  const released = await sql<{ id: string }>`SELECT id FROM samples WHERE question_id = 'released'`.execute(env.db);
  await insertDataset(env.db, {
    id: 'ds-released',
    campaignId,
    name: 'g/rft',
    selection: {},
    storagePrefix: 'datasets/ds-released',
    manifestKey: 'datasets/ds-released/manifest.json',
    manifestSha256: '0'.repeat(64),
    createdBy: 'test',
    items: [{ sampleId: released.rows[0]!.id, questionId: 'released' }],
  });
});
const samplesOf = async (questionId: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM samples WHERE question_id = ${questionId}`.execute(env.db)).rows[0]!.n;
afterAll(async () => {
  await env.cleanup();
});

test('a sample whose object is gone settles its item as failed with the reason, not a grade job retried forever', async () => {
  const deps = { db: env.db, store: env.store, grader, log: silentLogger() };
  const payload = { campaignId, questionId: 'lost', stage: 'rft' };
  await expect(runGradeJob(deps, payload, context(false))).rejects.toBeInstanceOf(UnrecoverableError);
  expect(await itemOf('lost')).toEqual({
    status: 'failed',
    last_error: expect.stringMatching(/^grading failed: trajectory object .* is missing; its samples were dropped from the ledger/),
  });
  // The row pointed at nothing: without it, `rft retry` regenerates the sample instead of failing again.
  expect(await samplesOf('lost')).toBe(0);
});

test('a lost object fails the item but keeps a sample that a dataset version already holds', async () => {
  const deps = { db: env.db, store: env.store, grader, log: silentLogger() };
  await expect(runGradeJob(deps, { campaignId, questionId: 'released', stage: 'rft' }, context(false))).rejects.toBeInstanceOf(
    UnrecoverableError,
  );
  expect((await itemOf('released')).status).toBe('failed');
  expect(await samplesOf('released')).toBe(1);
});

test('a transient fault is retried: the item stays generated until the last attempt', async () => {
  const down: ObjectStore = { ...env.store, get: () => Promise.reject(new Error('connect ECONNREFUSED')) };
  const deps = { db: env.db, store: down, grader, log: silentLogger() };
  const payload = { campaignId, questionId: 'flaky', stage: 'rft' };
  await expect(runGradeJob(deps, payload, context(false))).rejects.toThrow('ECONNREFUSED');
  expect((await itemOf('flaky')).status).toBe('generated');
  await expect(runGradeJob(deps, payload, context(true))).rejects.toBeInstanceOf(UnrecoverableError);
  expect(await itemOf('flaky')).toEqual({ status: 'failed', last_error: 'grading failed: connect ECONNREFUSED' });
  // Not a lost object: its samples stay.
  expect(await samplesOf('flaky')).toBe(1);
});
