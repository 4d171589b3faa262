import { insertSamples, startAttempt } from '@rft/db';
import { objectKeys } from '@rft/storage';
import { createTestEnv, seedLedgerCampaign, testSample, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sweepOrphans } from './orphan-sweep.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.cleanup();
});

test('reports, then deletes, trajectory objects no sample points at; referenced, young and diagnostic objects stay', async () => {
  const campaignId = await seedLedgerCampaign(env.db, { questions: 2, samples: 1 });
  const key = { campaignId, questionId: 'q0', stage: 'rft' };
  const fenced = objectKeys.trajectories(campaignId, 'rft', 0, 1); // its attempt lost the item
  const live = objectKeys.trajectories(campaignId, 'rft', 0, 2);
  const failed = objectKeys.failedTrajectories(campaignId, 'rft', 0, 1);
  for (const k of [fenced, live, failed]) await env.store.put(k, 'x');
  await startAttempt(env.db, key, 'w1');
  const second = await startAttempt(env.db, key, 'w2');
  await insertSamples(env.db, key, second!.attempt, [testSample({ seed: 1, trajectoryKey: live })]);

  // Within the grace period nothing is an orphan yet: its rows may be on their way.
  expect((await sweepOrphans(env.db, env.store, { campaignIds: [campaignId], graceMs: 3_600_000 })).orphans).toEqual([]);

  const later = new Date(Date.now() + 2 * 3_600_000);
  const dry = await sweepOrphans(env.db, env.store, { campaignIds: [campaignId], now: later });
  expect(dry).toMatchObject({ dryRun: true, scanned: 2, deleted: 0, bytes: 1 });
  expect(dry.orphans.map((o) => o.key)).toEqual([fenced]);
  expect(await env.store.head(fenced)).not.toBeNull();

  const swept = await sweepOrphans(env.db, env.store, { campaignIds: [campaignId], now: later, dryRun: false });
  expect(swept).toMatchObject({ dryRun: false, deleted: 1 });
  expect(await env.store.head(fenced)).toBeNull();
  expect(await env.store.head(live)).not.toBeNull();
  expect(await env.store.head(failed)).not.toBeNull();
});
