import { refreshShards } from '@rft/db';
import { parseCampaignSpec, registerCampaign } from '@rft/intake';
import { createJobQueues, type JobQueues } from '@rft/queue';
import { silentLogger } from '@rft/telemetry';
import { createTestEnv, deleteRedisPrefix, type TestEnv } from '@rft/testing';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { schedulerTick } from './scheduler-tick.ts';

// Every test gets its own database, Redis prefix and campaign (10 questions, 2 samples each, shards
// of 4), so each sets up exactly the state it needs and the tests pass in any order.
let env: TestEnv;
let queues: JobQueues;
let campaignId: string;
const log = silentLogger();

beforeEach(async () => {
  env = await createTestEnv();
  queues = createJobQueues(env.redis, env.queuePrefix);
  const spec = parseCampaignSpec(
    'name: s\nmodel: { name: m }\nstages: [{ name: rft, recipe: rft, samples: 2 }]\nshardSize: 4\n',
    'spec.yaml',
  );
  const questions = Array.from({ length: 10 }, (_, i) => ({ id: `q${i}`, kind: 'math' as const, problem: `p${i}`, answer: '1' }));
  campaignId = await registerCampaign(env.db, spec, questions, 'test');
});
afterEach(async () => {
  await queues.close();
  await env.cleanup();
});

const tick = (opts: { rolloutWindow?: number; lostJobGraceMs?: number } = {}) =>
  schedulerTick(env.db, queues, { rolloutWindow: opts.rolloutWindow ?? 4, lostJobGraceMs: opts.lostJobGraceMs ?? 60_000 }, log);
const waiting = () => queues.queue('rollout').getJobCounts('wait', 'prioritized', 'delayed', 'active');
const statuses = async () =>
  Object.fromEntries(
    (
      await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM question_stages GROUP BY status`.execute(env.db)
    ).rows.map((r) => [r.status, r.n]),
  );

test('keeps only the admission window in Redis', async () => {
  expect(await tick()).toMatchObject({ leader: true, enqueued: 4 });
  expect((await waiting()).wait).toBe(4);
  // A second tick finds the window full and adds nothing.
  expect((await tick()).enqueued).toBe(0);
  expect(await statuses()).toEqual({ pending: 6, queued: 4 });
});

test('counts generated items awaiting their grade in the window: stopped graders stop admission', async () => {
  expect((await tick()).enqueued).toBe(4);
  const admitted = await env.db.selectFrom('question_stages').select('question_id').where('status', '=', 'queued').execute();
  await sql`UPDATE question_stages SET status = 'generated' WHERE status = 'queued'`.execute(env.db);
  expect((await tick()).enqueued).toBe(0);
  // Two of them graded: room for two more.
  await sql`UPDATE question_stages SET status = 'graded' WHERE question_id IN (${admitted[0]!.question_id}, ${admitted[1]!.question_id})`.execute(
    env.db,
  );
  expect((await tick()).enqueued).toBe(2);
  expect(await statuses()).toEqual({ pending: 4, queued: 2, generated: 2, graded: 2 });
});

test('re-enqueues work whose jobs vanished with Redis, exactly once', async () => {
  expect((await tick()).enqueued).toBe(4);
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  expect((await waiting()).wait).toBe(0);
  const report = await tick({ lostJobGraceMs: 0 });
  expect(report).toMatchObject({ recovered: 4, enqueued: 0 });
  expect((await waiting()).wait).toBe(4);
  // Jobs now exist again: a second sweep recovers nothing.
  expect((await tick({ lostJobGraceMs: 0 })).recovered).toBe(0);
  expect(await statuses()).toEqual({ pending: 6, queued: 4 });
});

test('hands a campaign to the curator once every item is settled, and rolls up shards', async () => {
  await sql`UPDATE question_stages SET status = 'graded'`.execute(env.db);
  await sql`UPDATE question_stages SET status = 'failed', last_error = 'boom' WHERE question_id = 'q9'`.execute(env.db);
  const report = await tick();
  expect(report.curating).toEqual([campaignId]);
  expect(await queues.exists('curate', { campaignId })).toBe(true);
  const shards = await env.db.selectFrom('shards').select(['shard_index', 'status', 'last_error']).orderBy('shard_index').execute();
  expect(shards).toEqual([
    { shard_index: 0, status: 'completed', last_error: null },
    { shard_index: 1, status: 'completed', last_error: null },
    { shard_index: 2, status: 'failed', last_error: 'boom' },
  ]);
  // Already curating: not handed over twice.
  expect((await tick()).curating).toEqual([]);
});

test('a campaign with work left is not handed to the curator', async () => {
  await sql`UPDATE question_stages SET status = 'graded' WHERE question_id <> 'q9'`.execute(env.db);
  await sql`UPDATE question_stages SET status = 'generated' WHERE question_id = 'q9'`.execute(env.db);
  expect((await tick()).curating).toEqual([]);
  expect(await queues.exists('curate', { campaignId })).toBe(false);
});

test('only one scheduler leads at a time: a tick while another holds the lead does nothing', async () => {
  await env.db.transaction().execute(async (tx) => {
    // The same lock another scheduler's tick holds for its whole transaction.
    await sql`SELECT pg_advisory_xact_lock(7214880113)`.execute(tx);
    const follower = await tick({ rolloutWindow: 100 });
    expect(follower).toEqual({ leader: false, enqueued: 0, waitingFor: [], recovered: 0, curating: [] });
  });
  expect(await statuses()).toEqual({ pending: 10 });
  expect(await tick({ rolloutWindow: 100 })).toMatchObject({ leader: true, enqueued: 10 });
});

test('rolls up only shards whose items changed since their last roll-up', async () => {
  const rollUp = () => env.db.transaction().execute((tx) => refreshShards(tx, campaignId, 0));
  // Items older than the last roll-up (margin 0 here): nothing to re-aggregate.
  await sql`UPDATE question_stages SET updated_at = now() - interval '1 hour'`.execute(env.db);
  await sql`UPDATE shards SET rolled_up_at = NULL`.execute(env.db);
  expect(await rollUp()).toBe(3); // never rolled up: every shard
  expect(await rollUp()).toBe(0);
  // One item of shard 1 finishes: that shard alone is re-aggregated, and its status follows.
  await sql`UPDATE question_stages SET status = 'graded', updated_at = now() WHERE question_id = 'q5'`.execute(env.db);
  expect(await rollUp()).toBe(1);
  const shards = await env.db.selectFrom('shards').select(['shard_index', 'status']).orderBy('shard_index').execute();
  expect(shards.map((s) => s.status)).toEqual(['pending', 'running', 'pending']);
  expect(await rollUp()).toBe(0);
  // With the default margin, a shard touched recently stays in the roll-up (transactions in flight).
  expect(await env.db.transaction().execute((tx) => refreshShards(tx, campaignId))).toBe(1);
});

test('admits nothing while a shared resource is down, and resumes by itself once a job closes the breaker', async () => {
  await sql`UPDATE question_stages SET status = 'pending', queued_at = NULL`.execute(env.db);
  await deleteRedisPrefix(env.redis, env.queuePrefix);
  await queues.breakers.trip('object-store', 'object store put k failed: ServiceUnavailable (HTTP 503)');
  const during = await schedulerTick(env.db, queues, { rolloutWindow: 4, lostJobGraceMs: 60_000 }, log);
  expect(during).toMatchObject({ leader: true, enqueued: 0, waitingFor: ['object-store'] });
  expect(await statuses()).toEqual({ pending: 10 });

  await queues.breakers.recordSuccess('object-store');
  const after = await schedulerTick(env.db, queues, { rolloutWindow: 4, lostJobGraceMs: 60_000 }, log);
  expect(after).toMatchObject({ enqueued: 4, waitingFor: [] });
});
