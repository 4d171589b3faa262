import {
  completeItemAsWorkers,
  createTestEnv,
  failItemAsWorker,
  itemsOf,
  scanCampaignCharts,
  scanCampaignCost,
  scanCampaignProgress,
  scanRejections,
  seedLedgerCampaign,
  type TestEnv,
} from '@rft/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { campaignChartsFromRollup } from './campaign-charts.ts';
import { insertGrades } from './samples.ts';
import { campaignRollup, refreshShardStats } from './shard-stats.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

/** The roll-up must say exactly what a full scan of the samples says. */
async function expectRollupMatchesScan(campaignId: string): Promise<void> {
  const rollup = await campaignRollup(env.db, campaignId);
  expect(rollup.progress).toEqual(await scanCampaignProgress(env.db, campaignId));
  const byCount = (a: { stage: string; reason: string; count: number }, b: typeof a) =>
    a.stage.localeCompare(b.stage) || b.count - a.count || a.reason.localeCompare(b.reason);
  expect(rollup.rejections).toEqual((await scanRejections(env.db, campaignId)).sort(byCount));
  const scan = await scanCampaignCost(env.db, campaignId);
  expect(rollup.cost.total).toEqual({ ...scan.total, replicaSeconds: expect.closeTo(scan.total.replicaSeconds, 6) });
  expect(rollup.cost.byStage.map((s) => [s.stage, s.samples, s.accepted, s.completionTokens])).toEqual(
    scan.byStage.map((s) => [s.stage, s.samples, s.accepted, s.completionTokens]),
  );
  expect(rollup.cost.byShard.map((s) => [s.shardIndex, s.samples, s.accepted, s.promptTokens])).toEqual(
    scan.byShard.map((s) => [s.shardIndex, s.samples, s.accepted, s.promptTokens]),
  );
  const charts = await campaignChartsFromRollup(env.db, campaignId);
  const scanned = await scanCampaignCharts(env.db, campaignId);
  expect(charts.toolCalls).toEqual(scanned.toolCalls);
  expect(charts.successDistribution).toEqual(scanned.successDistribution);
  const sum = (xs: Array<{ samples: number }>) => xs.reduce((n, x) => n + x.samples, 0);
  expect(sum(charts.throughput)).toBe(sum(scanned.throughput));
  expect(charts.throughput.reduce((n, x) => n + x.accepted, 0)).toBe(scanned.throughput.reduce((n, x) => n + x.accepted, 0));
  expect(sum(charts.tokenLengths)).toBe(sum(scanned.tokenLengths));
  const longest = await env.db
    .selectFrom('samples')
    .select((eb) => eb.fn.max('completion_tokens').as('m'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  expect(charts.tokenLengths.at(-1)!.to).toBeGreaterThanOrEqual(Number(longest.m));
  expect(charts.tokenLengths.length).toBeLessThanOrEqual(20);
}

test('shard roll-ups equal a full scan and recompute only the shards whose items changed', async () => {
  const id = await seedLedgerCampaign(env.db, { name: 'rollup', questions: 9, samples: 4, shardSize: 3 });
  const items = await itemsOf(env.db, id);
  const reasons = (i: number) => (i % 2 ? ['wrong_answer'] : ['repetitive', 'truncated']);
  for (const item of items.slice(0, 5))
    await completeItemAsWorkers(env.db, item, { correct: (i) => i === 0, reasons: (i) => (i === 0 ? [] : reasons(i)) });
  await failItemAsWorker(env.db, items[5]!, 'boom');
  await env.db.updateTable('samples').set({ sandbox_cpu_ms: 40 }).where('campaign_id', '=', id).where('question_id', '=', 'q1').execute();

  expect(await refreshShardStats(env.db, id, { marginMs: 0 })).toBe(3);
  await expectRollupMatchesScan(id);
  // Nothing changed: nothing is recomputed.
  expect(await refreshShardStats(env.db, id, { marginMs: 0 })).toBe(0);

  // New samples and grades in shard 2 (items 6-8) mark only that shard stale.
  await completeItemAsWorkers(env.db, items[7]!, { correct: () => true });
  expect(await refreshShardStats(env.db, id, { marginMs: 0 })).toBe(1);
  await expectRollupMatchesScan(id);

  // A regrade that moves no item is picked up once the roll-up is older than maxAgeMs.
  const sample = await env.db
    .selectFrom('samples')
    .select('id')
    .where('campaign_id', '=', id)
    .where('question_id', '=', 'q0')
    .where('sample_index', '=', 1)
    .executeTakeFirstOrThrow();
  await insertGrades(env.db, [{ sampleId: sample.id, graderVersion: 'test-2', correct: true, eligible: true, reasons: [], metrics: {} }]);
  await sql`UPDATE grades SET created_at = now() + interval '1 second' WHERE grader_version = 'test-2'`.execute(env.db);
  expect(await refreshShardStats(env.db, id, { marginMs: 0 })).toBe(0);
  await sql`UPDATE shard_stage_stats SET computed_at = computed_at - interval '2 hours' WHERE campaign_id = ${id} AND shard_index = 0`.execute(
    env.db,
  );
  expect(await refreshShardStats(env.db, id, { marginMs: 0 })).toBe(1);
  await expectRollupMatchesScan(id);

  // The margin re-reads shards whose items changed shortly before the last roll-up.
  expect(await refreshShardStats(env.db, id, { marginMs: 600_000 })).toBe(3);
});
