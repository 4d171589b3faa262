import { gradedCandidatePages, insertGrades, insertSamples, type CandidateRow, type NewSample } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';

let env: TestEnv;
let campaignId: string;
const QUESTIONS = 7;
const SAMPLES = 3;

const sample = (sampleIndex: number): NewSample => ({
  sampleIndex,
  seed: sampleIndex,
  recipe: 'rft',
  endReason: 'eos',
  error: null,
  trajectoryKey: 'k',
  trajectoryLine: sampleIndex,
  turns: 1,
  toolCalls: 0,
  hints: 0,
  promptTokens: 10,
  cachedTokens: 0,
  completionTokens: 100 + sampleIndex,
  tokensSaved: 0,
  latencyMs: 1,
});

beforeAll(async () => {
  env = await createTestEnv();
  const spec = parseCampaignSpec(`name: c\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: ${SAMPLES} }]\n`, 'spec.yaml');
  const questions = Array.from({ length: QUESTIONS }, (_, i) => ({ id: `q${i}`, kind: 'math' as const, problem: `p${i}`, answer: '1' }));
  campaignId = await registerCampaign(env.db, spec, questions, 'test');
  for (const { id } of questions) {
    const key = { campaignId, questionId: id, stage: 'rft' };
    await insertSamples(env.db, key, 1, [0, 1, 2].map(sample));
  }
  const ids = await sql<{ id: string; question_id: string }>`SELECT id, question_id FROM samples ORDER BY id`.execute(env.db);
  await insertGrades(
    env.db,
    ids.rows.map((r, i) => ({
      sampleId: r.id,
      graderVersion: 'v1',
      correct: i % 2 === 0,
      eligible: i % 2 === 0,
      reasons: i % 2 === 0 ? [] : ['wrong_answer'],
      metrics: { qualityScore: 0.5, responseChars: 400 + i, extractedAnswer: 'x'.repeat(200) },
    })),
  );
  // A regrade of one sample: the newer verdict is the one selection sees.
  await insertGrades(env.db, [
    {
      sampleId: ids.rows[0]!.id,
      graderVersion: 'v2',
      correct: false,
      eligible: false,
      reasons: ['repetitive'],
      metrics: { qualityScore: 0 },
    },
  ]);
  await sql`UPDATE questions SET quarantined_at = now(), quarantine_reason = 'test' WHERE question_id = 'q3'`.execute(env.db);
});
afterAll(async () => {
  await env.cleanup();
});

async function pages(size: number): Promise<CandidateRow[][]> {
  const out: CandidateRow[][] = [];
  for await (const page of gradedCandidatePages(env.db, campaignId, size)) out.push(page);
  return out;
}

test('pages hold whole questions in question order and together every graded sample once', async () => {
  const whole = (await pages(100)).flat();
  expect(whole).toHaveLength((QUESTIONS - 1) * SAMPLES);
  expect(new Set(whole.map((c) => c.sampleId)).size).toBe(whole.length);
  expect(whole.some((c) => c.questionId === 'q3')).toBe(false); // quarantined
  for (const size of [1, 2, 4, 6]) {
    const paged = await pages(size);
    expect(paged.flat()).toEqual(whole);
    const questionsSeen = paged.map((p) => [...new Set(p.map((c) => c.questionId))]);
    expect(questionsSeen.flat()).toEqual([...new Set(whole.map((c) => c.questionId))]); // no question split across pages
    expect(Math.max(...questionsSeen.map((q) => q.length))).toBeLessThanOrEqual(size);
  }
});

test('each sample carries its newest verdict and only the metrics selection reads', async () => {
  const all = (await pages(3)).flat();
  const regraded = all.filter((c) => c.graderVersion === 'v2');
  expect(regraded).toHaveLength(1);
  expect(regraded[0]).toMatchObject({
    correct: false,
    eligible: false,
    reasons: ['repetitive'],
    metrics: { qualityScore: 0 },
  });
  const other = all.find((c) => c.graderVersion === 'v1')!;
  // Absent metrics are left out, not carried as nulls.
  for (const key of Object.keys(other.metrics)) expect(['qualityScore', 'responseChars', 'tools', 'undecided']).toContain(key);
  expect(typeof other.metrics.responseChars).toBe('number');
});

test('refuses a page size below one', async () => {
  await expect(pages(0)).rejects.toThrow(/questionsPerPage/);
});
