import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster.ts';
import { faultCatalog } from './fault-catalog.ts';
import { cleanOutcome, runFaultCampaigns } from './run-fault-campaigns.ts';

/**
 * The full chaos suite (`npm run test:chaos`): one campaign per fault on the full pipeline (every
 * service a child process), the fault injected mid-run. Each campaign must end completed with every
 * expected sample exactly once, every sample's object in S3, one verdict per sample and one dataset
 * row per question. `CHAOS_FAULTS=redis,s3` runs only the faults whose name contains a word;
 * `CHAOS_QUESTIONS` / `CHAOS_SAMPLES` size each campaign.
 */
const QUESTIONS = Number(process.env.CHAOS_QUESTIONS ?? 8);
const SAMPLES = Number(process.env.CHAOS_SAMPLES ?? 8);
const only = (process.env.CHAOS_FAULTS ?? '')
  .split(',')
  .map((w) => w.trim().toLowerCase())
  .filter(Boolean);
const all = faultCatalog(QUESTIONS * SAMPLES);
const selected = only.length ? all.filter((f) => only.some((w) => f.name.toLowerCase().includes(w))) : all;

let env: TestEnv;
let cluster: ChaosCluster;
beforeAll(async () => {
  env = await createTestEnv();
  cluster = await startChaosCluster(env);
});
afterAll(async () => {
  await cluster?.close();
  await env?.cleanup();
});

test('every fault: the campaign completes, nothing lost, nothing duplicated', async () => {
  const outcomes = await runFaultCampaigns(env, cluster, selected, { questions: QUESTIONS, samples: SAMPLES, reportName: 'chaos' });
  for (const o of outcomes) {
    expect(cleanOutcome(o)).toEqual({ fault: o.fault, status: 'completed', lost: 0, duplicated: 0, failedItems: 0, orphansAfterSweep: 0 });
    expect(o.audit.grades).toBe(QUESTIONS * SAMPLES);
    expect(o.audit.datasetItems).toBeGreaterThan(0);
  }
}, 3_600_000);
