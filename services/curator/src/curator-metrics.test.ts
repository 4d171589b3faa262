import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import type { JobContext } from '@rft/queue';
import { createMetricsRegistry, silentLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CurateJobDeps, runCurateJob } from './curate-job.ts';
import { registerCuratorMetrics } from './curator-metrics.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => env.cleanup());

const registryWithMetrics = () => {
  const registry = createMetricsRegistry('curator', { defaultMetrics: false });
  return { registry, metrics: registerCuratorMetrics(registry) };
};
const values = async (registry: ReturnType<typeof createMetricsRegistry>, name: string) =>
  Object.fromEntries(
    ((await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []).map((v) => [
      Object.entries(v.labels)
        .filter(([k]) => k !== 'service')
        .map(([k, x]) => `${k}=${x}`)
        .join(','),
      v.value,
    ]),
  );

test('counts rows selected and rejected by reason, and curations by outcome', async () => {
  const { registry, metrics } = registryWithMetrics();
  metrics.curation('c1', 'dataset', 1.5, { selected: 7, dropped: { not_eligible: 3, duplicate_question: 2 } });
  metrics.curation('c2', 'failed', 0.2);
  expect(await values(registry, 'rft_curator_rows_selected_total')).toEqual({ 'campaign_id=c1': 7 });
  expect(await values(registry, 'rft_curator_rows_rejected_total')).toEqual({
    'campaign_id=c1,reason=not_eligible': 3,
    'campaign_id=c1,reason=duplicate_question': 2,
  });
  expect(await values(registry, 'rft_curator_curations_total')).toEqual({ 'outcome=dataset': 1, 'outcome=failed': 1 });
});

test('a curation that selects nothing is counted as empty', async () => {
  const spec = parseCampaignSpec('name: e\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: 1 }]\n', 'spec.yaml');
  const campaignId = await registerCampaign(env.db, spec, [{ id: 'q', kind: 'math', problem: 'p', answer: '1' }], 'test');
  await sql`UPDATE campaigns SET status = 'curating' WHERE id = ${campaignId}`.execute(env.db);
  const { registry, metrics } = registryWithMetrics();
  // Nothing is selected, so the tokenizer is never asked.
  const deps = { db: env.db, store: env.store, log: silentLogger(), tokenizerName: 't', metrics } as unknown as CurateJobDeps;
  const ctx = { job: { id: 'j' }, signal: new AbortController().signal, attemptsMade: 1, isLastAttempt: true } as unknown as JobContext;
  await runCurateJob(deps, { campaignId }, ctx);
  expect(await values(registry, 'rft_curator_curations_total')).toEqual({ 'outcome=empty': 1 });
  expect(await values(registry, 'rft_curator_rows_selected_total')).toEqual({ [`campaign_id=${campaignId}`]: 0 });
});
