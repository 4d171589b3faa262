import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster.ts';
import { faultCatalog } from './fault-catalog.ts';
import { cleanOutcome, runFaultCampaigns } from './run-fault-campaigns.ts';

/**
 * The reduced chaos run in the default `npm test`: small campaigns under the three faults that
 * break the most assumptions (workers SIGKILLed, the Redis prefix wiped, every Postgres backend
 * terminated). The full set runs with `npm run test:chaos`.
 */
const QUESTIONS = 4;
const SAMPLES = 4;
const REDUCED = ['rollout workers SIGKILL', 'Redis prefix wiped', 'Postgres backends terminated'];

let env: TestEnv;
let cluster: ChaosCluster;
beforeAll(async () => {
  env = await createTestEnv();
  cluster = await startChaosCluster(env, { rolloutWorkers: 1 });
});
afterAll(async () => {
  await cluster?.close();
  await env?.cleanup();
});

test('workers killed, Redis wiped, Postgres backends terminated: nothing lost, nothing duplicated', async () => {
  const faults = faultCatalog(QUESTIONS * SAMPLES).filter((f) => REDUCED.includes(f.name));
  expect(faults).toHaveLength(REDUCED.length);
  const outcomes = await runFaultCampaigns(env, cluster, faults, { questions: QUESTIONS, samples: SAMPLES, reportName: 'chaos-reduced' });
  for (const o of outcomes) {
    expect(cleanOutcome(o)).toEqual({ fault: o.fault, status: 'completed', lost: 0, duplicated: 0, failedItems: 0, orphansAfterSweep: 0 });
    expect(o.audit.grades).toBe(QUESTIONS * SAMPLES);
  }
}, 600_000);
