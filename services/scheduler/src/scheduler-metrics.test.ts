import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { createMetricsRegistry, silentLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registerSchedulerMetrics } from './scheduler-metrics.ts';
import { createScheduler } from './service.ts';

let env: TestEnv;
let queues: JobQueues;
let campaignId: string;

beforeAll(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
  const spec = parseCampaignSpec(
    'name: m\nmodel: { name: m }\nstages: [{ name: greedy, recipe: greedy, samples: 1 }, { name: rft, recipe: rft, samples: 2 }]\nshardSize: 4\n',
    'spec.yaml',
  );
  const questions = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, kind: 'math' as const, problem: `p${i}`, answer: '1' }));
  campaignId = await registerCampaign(env.db, spec, questions, 'test');
});
afterAll(async () => {
  await queues.close();
  await env.cleanup();
});

test('counts admissions per campaign and stage, ticks, and reads window and per-stage progress from the ledger', async () => {
  const registry = createMetricsRegistry('scheduler', { defaultMetrics: false });
  const metrics = registerSchedulerMetrics(registry, { db: env.db, rolloutWindow: 6 });
  const scheduler = createScheduler(
    { db: env.db, queues, log: silentLogger(), metrics },
    { rolloutWindow: 6, lostJobGraceMs: 60_000, tickMs: 1000 },
  );
  await scheduler.tick();
  await sql`UPDATE question_stages SET status = 'failed' WHERE campaign_id = ${campaignId} AND question_id = 'q0' AND stage = 'greedy'`.execute(
    env.db,
  );

  const json = await registry.getMetricsAsJSON();
  const values = (name: string) => json.find((m) => m.name === name)?.values ?? [];
  const admitted = values('rft_scheduler_items_admitted_total');
  expect(admitted.reduce((n, v) => n + v.value, 0)).toBe(6);
  expect(admitted.every((v) => v.labels.campaign_id === campaignId)).toBe(true);
  expect(values('rft_scheduler_ticks_total')).toEqual([
    expect.objectContaining({ labels: { outcome: 'leader', service: 'scheduler' }, value: 1 }),
  ]);
  expect(values('rft_scheduler_window_limit')[0]?.value).toBe(6);
  expect(values('rft_scheduler_window_in_flight')[0]?.value).toBe(5);
  const byStage = Object.fromEntries(values('rft_campaign_stage_work_items').map((v) => [`${v.labels.stage}/${v.labels.status}`, v.value]));
  const admittedGreedy = admitted.find((v) => v.labels.stage === 'greedy')?.value ?? 0;
  expect(byStage['greedy/failed']).toBe(1);
  expect((byStage['greedy/queued'] ?? 0) + (byStage['rft/queued'] ?? 0)).toBe(5);
  expect((byStage['greedy/pending'] ?? 0) + (byStage['greedy/queued'] ?? 0) + 1).toBe(5);
  expect(admittedGreedy).toBeGreaterThan(0);
  await scheduler.close();
});
