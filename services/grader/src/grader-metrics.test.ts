import { insertSamples } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import type { JobContext } from '@rft/queue';
import { createMetricsRegistry, silentLogger } from '@rft/telemetry';
import { createTestEnv, testSample, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runGradeJob } from './grade-job.ts';
import { registerGraderMetrics } from './grader-metrics.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => env.cleanup());

const valuesOf = async (registry: ReturnType<typeof createMetricsRegistry>, name: string) =>
  (await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];

test('counts verdicts by outcome and reason, and grading latency per stage', async () => {
  const registry = createMetricsRegistry('grader', { defaultMetrics: false });
  const metrics = registerGraderMetrics(registry);
  const key = { campaignId: 'c1', stage: 'rft' };
  const verdict = (correct: boolean, eligible: boolean, reasons: string[]) =>
    ({ correct, eligible, reasons, metrics: {}, graderVersion: 'v' }) as Parameters<typeof metrics.verdict>[1];
  metrics.verdict(key, verdict(true, true, []), 0.002);
  metrics.verdict(key, verdict(false, false, ['wrong_answer']), 0.003);
  metrics.verdict(key, verdict(false, false, ['truncated', 'no_answer']), 0.004);
  metrics.verdict(key, verdict(true, false, ['repetitive']), 0.004);
  const verdicts = Object.fromEntries(
    (await valuesOf(registry, 'rft_grader_verdicts_total')).map((v) => [`${v.labels.outcome}/${v.labels.reason}`, v.value]),
  );
  expect(verdicts).toEqual({
    'eligible/none': 1,
    'rejected/wrong_answer': 1,
    'rejected/truncated': 1,
    'rejected/no_answer': 1,
    'correct_ineligible/repetitive': 1,
  });
  const text = await registry.getSingleMetricAsString('rft_grader_grade_duration_seconds');
  expect(text).toMatch(/^rft_grader_grade_duration_seconds_count\{[^}]*stage="rft"[^}]*\} 4$/m);
});

test('a grade job that fails for good counts its work item as failed', async () => {
  const spec = parseCampaignSpec('name: g\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: 1 }]\n', 'spec.yaml');
  const campaignId = await registerCampaign(env.db, spec, [{ id: 'q', kind: 'math', problem: 'p', answer: '1' }], 'test');
  const key = { campaignId, questionId: 'q', stage: 'rft' };
  await insertSamples(env.db, key, 1, [testSample()]);
  await sql`UPDATE question_stages SET status = 'generated'`.execute(env.db);
  const registry = createMetricsRegistry('grader', { defaultMetrics: false });
  const deps = {
    db: env.db,
    store: env.store,
    log: silentLogger(),
    grader: { version: 't', grade: () => Promise.reject(new Error('not reached')) },
    metrics: registerGraderMetrics(registry),
  };
  const ctx = { job: { id: 'j' }, signal: new AbortController().signal, attemptsMade: 1, isLastAttempt: true } as unknown as JobContext;
  await expect(runGradeJob(deps, key, ctx)).rejects.toThrow(/missing/);
  expect(await valuesOf(registry, 'rft_grader_items_total')).toEqual([
    expect.objectContaining({ labels: { campaign_id: campaignId, stage: 'rft', outcome: 'failed', service: 'grader' }, value: 1 }),
  ]);
});
