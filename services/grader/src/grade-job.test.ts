import type { ExecutionRequest, ExecutionResult, PythonRunner } from '@rft/contracts';
import { insertDataset, insertSamples } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import type { JobContext } from '@rft/queue';
import { UnrecoverableError } from '@rft/queue';
import { encodeJsonlZst, type ObjectStore } from '@rft/storage';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, testSample, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runGradeJob, type SampleGrader } from './grade-job.ts';
import { createLocalPythonRunner } from './grading/code/local-python-runner.ts';
import { createGrader, GRADER_VERSION } from './grading/grader.ts';

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
      testSample({ trajectoryKey: `trajectories/${questionId}-never-written.jsonl.zst` }),
    ]);
  }
  await sql`UPDATE question_stages SET status = 'generated' WHERE campaign_id = ${campaignId}`.execute(env.db);
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

describe('a sandbox fault while grading', () => {
  const question = {
    id: 'sum',
    kind: 'code' as const,
    problem: 'Sum.',
    tests: [{ type: 'stdin' as const, input: '1 2\n', output: '3\n' }],
  };
  const answer = '</think>```python\na, b = map(int, input().split())\nprint(a + b)\n```';
  /** The local interpreter behind a sandbox that answers busy (queue full, nothing ran) `busyFor` times. */
  const flakySandbox = (busyFor: number): PythonRunner & { calls: number } => {
    const local = createLocalPythonRunner('/usr/bin/python3');
    const runner = {
      calls: 0,
      run: async (request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> => {
        runner.calls++;
        if (runner.calls <= busyFor) {
          return { status: 'busy', exitCode: null, stdout: '', stderr: 'sandbox queue full', wallMs: 0, cpuMs: 0, truncated: false };
        }
        return local.run(request, signal);
      },
    };
    return runner;
  };

  async function codeCampaign(
    name: string,
    samples = 1,
  ): Promise<{ id: string; payload: { campaignId: string; questionId: string; stage: string } }> {
    const spec = parseCampaignSpec(
      `name: ${name}\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: ${samples} }]\n`,
      'spec.yaml',
    );
    const id = await registerCampaign(env.db, spec, [question], 'test');
    const key = `trajectories/${id}/sum.jsonl.zst`;
    const trajectory = {
      campaignId: id,
      questionId: 'sum',
      stage: 'rft',
      sampleIndex: 0,
      seed: 0,
      recipe: 'rft',
      segments: [
        { kind: 'prompt', text: 'Sum.' },
        { kind: 'model', text: answer },
      ],
      turns: [{ promptTokens: 1, completionTokens: 1, cachedTokens: null, finishReason: 'stop', stopReason: null, latencyMs: 1 }],
      end: 'eos',
      toolCalls: 0,
      hintsInserted: 0,
    };
    const lines = Array.from({ length: samples }, (_, sampleIndex) => ({ ...trajectory, sampleIndex }));
    await env.store.put(key, encodeJsonlZst(lines));
    await insertSamples(
      env.db,
      { campaignId: id, questionId: 'sum', stage: 'rft' },
      1,
      lines.map((_, i) => testSample({ sampleIndex: i, seed: i, trajectoryKey: key, trajectoryLine: i })),
    );
    await sql`UPDATE question_stages SET status = 'generated' WHERE campaign_id = ${id}`.execute(env.db);
    return { id, payload: { campaignId: id, questionId: 'sum', stage: 'rft' } };
  }
  const gradeOf = async (campaign: string) =>
    (
      await sql<{ correct: boolean; reasons: string[] }>`
        SELECT g.correct, g.reasons FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.campaign_id = ${campaign}`.execute(env.db)
    ).rows;
  const stageOf = async (campaign: string) =>
    (await sql<{ status: string }>`SELECT status FROM question_stages WHERE campaign_id = ${campaign}`.execute(env.db)).rows[0]!.status;

  test('is retried: a correct answer is not recorded wrong because the sandbox was busy', async () => {
    const { id, payload } = await codeCampaign('busy-once', 2);
    const sandbox = flakySandbox(1);
    const realGrader = createGrader({ runner: sandbox, equivalence: { workers: 1, timeoutMs: 5000 } });
    try {
      const deps = { db: env.db, store: env.store, grader: { version: GRADER_VERSION, grade: realGrader.grade }, log: silentLogger() };
      await expect(runGradeJob(deps, payload, context(false))).rejects.toThrow(
        /^grader fault: 1 of 2 samples could not be judged \(first: .*sandbox queue full.*\); they are graded again$/,
      );
      // The sample that was judged keeps its verdict; the item waits for the other.
      expect(await gradeOf(id)).toEqual([{ correct: true, reasons: [] }]);
      expect(await stageOf(id)).toBe('generated');
      await runGradeJob(deps, payload, context(false));
      expect(sandbox.calls).toBe(3); // busy, then the second sample, then only the first again
      expect(await gradeOf(id)).toEqual([
        { correct: true, reasons: [] },
        { correct: true, reasons: [] },
      ]);
      expect(await stageOf(id)).toBe('graded');
    } finally {
      await realGrader.close();
    }
  });

  test('on the last attempt it is recorded as grader_error (never as a wrong answer)', async () => {
    const { id, payload } = await codeCampaign('busy-always');
    const realGrader = createGrader({ runner: flakySandbox(Number.POSITIVE_INFINITY), equivalence: { workers: 1, timeoutMs: 5000 } });
    try {
      const grader = { version: GRADER_VERSION, grade: realGrader.grade };
      await runGradeJob({ db: env.db, store: env.store, grader, log: silentLogger() }, payload, context(true));
      expect(await gradeOf(id)).toEqual([{ correct: false, reasons: ['grader_error'] }]);
      expect(await stageOf(id)).toBe('graded');
    } finally {
      await realGrader.close();
    }
  });
});
