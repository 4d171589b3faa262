import { startAttempt } from '@rft/db';
import { createJobQueues, jobIdFor } from '@rft/queue';
import { UnrecoverableError, Worker } from 'bullmq';
import { schedulerTick } from '@rft/scheduler';
import { silentLogger } from '@rft/telemetry';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { completeItemAsWorkers, createApiFixture, failItemAsWorker, itemsOf, seedCampaign, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

const settings = { rolloutWindow: 1000, lostJobGraceMs: 60_000 };

describe('shards and retries', () => {
  test('failed shards show their state, attempts and reasons', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'shards', questions: 6, shardSize: 2 });
    const items = await itemsOf(fx.env.db, id);
    await completeItemAsWorkers(fx.env.db, items[0]!);
    await completeItemAsWorkers(fx.env.db, items[1]!);
    await failItemAsWorker(fx.env.db, items[2]!, 'sandbox timeout after 30 s\nstack...');
    await failItemAsWorker(fx.env.db, items[4]!, 'context overflow: 33000 tokens > 32768');
    const shards = (await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/shards`, headers: fx.auth('operator') })).json();
    expect(shards.items.map((s: { shardIndex: number; state: string; failed: number }) => [s.shardIndex, s.state, s.failed])).toEqual([
      [0, 'completed', 0],
      [1, 'running', 1],
      [2, 'running', 1],
    ]);
    expect(shards.items[1]).toMatchObject({
      maxAttempts: 1,
      lastError: 'sandbox timeout after 30 s\nstack...',
      byStatus: { failed: 1, pending: 1 },
    });
    await failItemAsWorker(fx.env.db, items[3]!, 'sandbox timeout after 30 s\nstack...');
    const failedOnly = (
      await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/shards?state=failed`, headers: fx.auth('submitter') })
    ).json();
    expect(failedOnly.items.map((s: { shardIndex: number }) => s.shardIndex)).toEqual([1]);
    const failures = (await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/failures`, headers: fx.auth('operator') })).json();
    expect(failures.total).toBe(3);
    expect(failures.items.map((f: { questionId: string; shardIndex: number }) => [f.questionId, f.shardIndex])).toEqual([
      ['q2', 1],
      ['q3', 1],
      ['q4', 2],
    ]);
    expect(failures.reasons).toEqual([
      { reason: 'sandbox timeout after 30 s', count: 2 },
      { reason: 'context overflow: 33000 tokens > 32768', count: 1 },
    ]);
    const shard2 = (
      await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/failures?shard=2`, headers: fx.auth('operator') })
    ).json();
    expect(shard2.items.map((f: { questionId: string }) => f.questionId)).toEqual(['q4']);
  });

  test('retrying a shard twice at once enqueues its work once', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'double-retry', questions: 4, shardSize: 2 });
    await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
    const items = await itemsOf(fx.env.db, id);
    for (const item of items) await failItemAsWorker(fx.env.db, item, 'inference server 503');
    // The rollout jobs of the first admission are gone, as after BullMQ gave up on them.
    await fx.queues.queue('rollout').obliterate({ force: true });

    const retry = () =>
      fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/shards/0/retry`, headers: fx.auth('operator'), payload: {} });
    const answers = await Promise.all([retry(), retry(), retry()]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.json().retried as number).sort()).toEqual([0, 0, 2]);

    const tick = await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
    const again = await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
    expect(tick.enqueued).toBe(2);
    expect(again.enqueued).toBe(0);
    const jobs = await fx.queues.queue('rollout').getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    expect(jobs.map((j) => j.data.questionId).sort()).toEqual(['q0', 'q1']);
    const after = await itemsOf(fx.env.db, id);
    expect(after.map((i) => [i.questionId, i.status])).toEqual([
      ['q0', 'queued'],
      ['q1', 'queued'],
      ['q2', 'failed'],
      ['q3', 'failed'],
    ]);
    const audit = await fx.env.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('target_id', '=', id)
      .where('action', '=', 'campaign.retry')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toEqual({ itemsMovedToPending: 2, shards: [0] });
  });

  test('retrying a settled campaign reopens it; a cancelled one refuses', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'reopen', questions: 2, shardSize: 2 });
    const items = await itemsOf(fx.env.db, id);
    await completeItemAsWorkers(fx.env.db, items[0]!);
    await failItemAsWorker(fx.env.db, items[1]!, 'grader crashed');
    await fx.env.db.updateTable('campaigns').set({ status: 'completed', finished_at: new Date() }).where('id', '=', id).execute();
    const res = await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/retry`, headers: fx.auth('operator'), payload: {} });
    expect(res.json()).toEqual({ campaignId: id, retried: 1, shards: [{ shardIndex: 0, items: 1 }] });
    const campaign = await fx.env.db
      .selectFrom('campaigns')
      .select(['status', 'finished_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(campaign).toEqual({ status: 'running', finished_at: null });
    const bad = await fx.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/retry`,
      headers: fx.auth('operator'),
      payload: { shards: [-1] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('body.shards.0');
    await fx.env.db.updateTable('campaigns').set({ status: 'cancelled' }).where('id', '=', id).execute();
    expect(
      (await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/retry`, headers: fx.auth('operator'), payload: {} })).statusCode,
    ).toBe(409);
  });

  test('quarantine takes a poison question out of the flow and out of its waiting job', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'poison', questions: 2 });
    await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
    const waitingBefore = await fx.queues.queue('rollout').getWaitingCount();
    const res = await fx.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/questions/q1/quarantine`,
      headers: fx.auth('operator'),
      payload: { reason: 'crashes the tokenizer' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().stagesQuarantined).toEqual(['rft']);
    expect(await fx.queues.queue('rollout').getWaitingCount()).toBe(waitingBefore - 1);
    const q = await fx.env.db
      .selectFrom('questions')
      .select(['quarantine_reason'])
      .where('campaign_id', '=', id)
      .where('question_id', '=', 'q1')
      .executeTakeFirstOrThrow();
    expect(q.quarantine_reason).toBe('crashes the tokenizer');
    expect((await itemsOf(fx.env.db, id)).map((i) => i.status)).toEqual(['queued', 'quarantined']);
    const missing = await fx.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/questions/nope/quarantine`,
      headers: fx.auth('operator'),
      payload: { reason: 'x' },
    });
    expect(missing.statusCode).toBe(404);
    const noReason = await fx.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/questions/q0/quarantine`,
      headers: fx.auth('operator'),
      payload: {},
    });
    expect(noReason.json().error.message).toContain('body.reason');
    const audit = await fx.env.db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('target_id', '=', `${id}/q1`)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      action: 'question.quarantine',
      before: { stages: [{ stage: 'rft', status: 'queued' }] },
      after: { stagesQuarantined: ['rft'] },
    });
  });

  test('the scheduler pauses a campaign that reached its budget, with the reason', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'over-budget', questions: 3 });
    const [first] = await itemsOf(fx.env.db, id);
    await completeItemAsWorkers(fx.env.db, first!);
    await fx.env.db.updateTable('campaigns').set({ budget_tokens: 500 }).where('id', '=', id).execute();
    await schedulerTick(fx.env.db, fx.queues, settings, silentLogger());
    const detail = (await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: fx.auth('operator') })).json();
    expect(detail.campaign.status).toBe('paused');
    expect(detail.campaign.statusReason).toMatch(/^token budget reached: [\d,]+ of 500 tokens$/);
    expect((await itemsOf(fx.env.db, id)).filter((i) => i.status === 'queued')).toHaveLength(0);
  });
});

describe('lost-job sweep', () => {
  test('an item whose job BullMQ failed while the item stayed running is re-enqueued, not ignored', async () => {
    await fx.env.db.updateTable('campaigns').set({ status: 'cancelled' }).execute();
    const queues = createJobQueues(fx.env.redis, `${fx.env.queuePrefix}-sweep`);
    const id = await seedCampaign(fx.env.db, { name: 'zombie', questions: 1 });
    expect((await schedulerTick(fx.env.db, queues, settings, silentLogger())).enqueued).toBe(1);
    const [item] = await itemsOf(fx.env.db, id);
    // A worker claims the item, then its job fails for good without the ledger hearing of it.
    const manual = new Worker('rollout', null, { connection: fx.env.redis.duplicate(), prefix: `${fx.env.queuePrefix}-sweep` });
    const job = await manual.getNextJob('lock-1');
    expect(job?.id).toBe(jobIdFor('rollout', item!));
    await startAttempt(fx.env.db, item!, 'crashed-worker');
    await job!.moveToFailed(new UnrecoverableError('worker lost'), 'lock-1');
    expect(await job!.getState()).toBe('failed');
    await manual.close();

    const report = await schedulerTick(fx.env.db, queues, { ...settings, lostJobGraceMs: 0 }, silentLogger());
    expect(report.recovered).toBeGreaterThanOrEqual(1);
    expect(await (await queues.queue('rollout').getJob(jobIdFor('rollout', item!)))!.getState()).toBe('waiting');
    await queues.queue('rollout').obliterate({ force: true });
    await queues.close();
  });
});
