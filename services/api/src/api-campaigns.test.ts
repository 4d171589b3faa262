import { encodeJsonlZst } from '@rft/storage';
import { silentLogger } from '@rft/telemetry';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from './build-app.ts';
import {
  completeItemAsWorkers,
  createApiFixture,
  itemsOf,
  questionsJsonl,
  seedCampaign,
  specYaml,
  type ApiFixture,
} from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

describe('campaign creation', () => {
  test('registers a campaign from YAML and inline JSONL, with a budget, and audits it', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: fx.auth('submitter'),
      payload: { spec: specYaml({ name: 'inline' }), questions: questionsJsonl(5), budget: { tokens: 1_000_000 } },
    });
    expect(res.statusCode).toBe(201);
    const { id, questions, stages } = res.json();
    expect([questions, stages]).toEqual([5, ['rft']]);
    const shards = await fx.env.db.selectFrom('shards').select('shard_index').where('campaign_id', '=', id).execute();
    expect(shards).toHaveLength(3);
    const campaign = await fx.env.db
      .selectFrom('campaigns')
      .select(['budget_tokens', 'created_by'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(campaign.budget_tokens).toBe('1000000');
    expect(campaign.created_by).toContain('alice');
    const audit = await fx.env.db
      .selectFrom('audit_events')
      .select(['action', 'actor'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['campaign.create', 'campaign.budget']);
  });

  test('registers from a spec object and a zstd question file already in the object store', async () => {
    const lines = questionsJsonl(3, 'z')
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    await fx.env.store.put('uploads/q.jsonl.zst', encodeJsonlZst(lines));
    const spec = { name: 'from-s3', team: 'vision', model: { name: 'sim' }, stages: [{ name: 'rft', recipe: 'rft' }] };
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: fx.auth('operator'),
      payload: { spec, questionsKey: 'uploads/q.jsonl.zst' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().questions).toBe(3);
    const missing = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: fx.auth('operator'),
      payload: { spec, questionsKey: 'uploads/none.jsonl' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('body.questionsKey: no object at "uploads/none.jsonl"');
    // Submitters register only what they uploaded for their team.
    const foreign = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: fx.auth('submitter'),
      payload: { spec, questionsKey: 'uploads/q.jsonl.zst' },
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.message).toContain('uploads/vision/');
  });

  test('an invalid body is a 400 naming each bad field, and nothing is registered', async () => {
    const before = await fx.env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: Array<[unknown, string]> = [
      [{ spec: specYaml() }, 'body.questions: give exactly one of'],
      [{ spec: specYaml(), questions: 'x', extra: 1 }, 'body: unknown key "extra"; known keys: spec, questions'],
      [{ spec: 42, questions: 'x' }, 'body.spec:'],
      [
        { spec: specYaml().replace('recipe: rft', 'recipe: nope'), questions: questionsJsonl(1) },
        'body.spec: stages.0.recipe: unknown recipe "nope"',
      ],
      [{ spec: specYaml(), questions: '{"id":"a","kind":"math","problem":"p"}' }, 'questions:1: answer:'],
      [{ spec: specYaml(), questions: questionsJsonl(1), budget: { tokens: -5 } }, 'body.budget.tokens:'],
    ];
    for (const [payload, message] of cases) {
      const res = await fx.app.inject({ method: 'POST', url: '/v1/campaigns', headers: fx.auth('submitter'), payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
    const broken = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { ...fx.auth('submitter'), 'content-type': 'application/json' },
      payload: '{"spec": ',
    });
    expect(broken.statusCode).toBe(400);
    const after = await fx.env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});

describe('listing', () => {
  test('filters, sorts by whitelisted fields only, and pages', async () => {
    const ids = [];
    for (const name of ['list-c', 'list-a', 'list-b']) ids.push(await seedCampaign(fx.env.db, { name }));
    await fx.env.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', ids[0]!).execute();
    const get = (qs: string) => fx.app.inject({ method: 'GET', url: `/v1/campaigns?${qs}`, headers: fx.auth('operator') });
    const byName = (await get('q=list-&sort=name&limit=2')).json();
    expect(byName.total).toBe(3);
    expect(byName.items.map((c: { name: string }) => c.name)).toEqual(['list-a', 'list-b']);
    const page2 = (await get('q=list-&sort=name&limit=2&offset=2')).json();
    expect(page2.items.map((c: { name: string }) => c.name)).toEqual(['list-c']);
    const desc = (await get('q=LIST-&sort=-name')).json();
    expect(desc.items[0].name).toBe('list-c');
    const paused = (await get('q=list-&status=paused,completed')).json();
    expect(paused.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const injection = await get(`sort=${encodeURIComponent('name; DROP TABLE campaigns')}`);
    expect(injection.statusCode).toBe(400);
    expect(injection.json().error.message).toContain('query.sort');
    expect((await get('q=%25')).json().total).toBe(0);
    expect((await get('limit=0')).json().error.message).toContain('query.limit');
  });
});

describe('detail, cost and lifecycle', () => {
  test('shows per-stage progress, rejection reasons, cost per accepted sample and budget usage', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'detail', questions: 4, samples: 4 });
    const items = await itemsOf(fx.env.db, id);
    for (const item of items.slice(0, 3)) {
      await completeItemAsWorkers(fx.env.db, item, {
        reasons: (i) => (i % 2 === 0 ? [] : i === 1 ? ['wrong_answer'] : ['wrong_answer', 'repetitive']),
      });
    }
    await fx.env.db.updateTable('samples').set({ sandbox_cpu_ms: 250 }).where('campaign_id', '=', id).execute();
    const res = await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: fx.auth('submitter') });
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    const [stage] = detail.stages;
    expect(stage).toMatchObject({ stage: 'rft', items: 4, samples: 12, graded: 12, accepted: 6, expectedSamples: 16, acceptRate: 0.5 });
    expect(stage.byStatus).toEqual({ graded: 3, pending: 1 });
    expect(detail.rejections).toEqual([
      { stage: 'rft', reason: 'wrong_answer', count: 6 },
      { stage: 'rft', reason: 'repetitive', count: 3 },
    ]);
    const total = detail.cost.total;
    expect(total).toMatchObject({
      samples: 12,
      accepted: 6,
      promptTokens: 2400,
      cachedTokens: 1800,
      sandboxCpuSeconds: 3,
      graderCpuSeconds: null,
    });
    expect(total.completionTokens).toBe(3 * (300 + 340 + 380 + 420));
    expect(total.perAccepted.completionTokens).toBeCloseTo(total.completionTokens / 6);
    expect(total.perAccepted.sandboxCpuSeconds).toBeCloseTo(0.5);
    expect(detail.throughput.remainingSamples).toBe(4);
    expect(detail.budgetUsage).toMatchObject({ tokens: 12 * 50 + total.completionTokens, budgetTokens: null });
    const cost = (await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/cost`, headers: fx.auth('operator') })).json();
    expect(cost.byShard.map((s: { shardIndex: number; samples: number }) => [s.shardIndex, s.samples])).toEqual([
      [0, 8],
      [1, 4],
    ]);
  });

  test('pause, resume and cancel move the status, record a reason, and are audited with before and after', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'lifecycle', questions: 4 });
    const post = (action: string, who: 'submitter' | 'operator' = 'submitter', payload: object = {}) =>
      fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/${action}`, headers: fx.auth(who), payload });
    const paused = await post('pause', 'submitter', { reason: 'checking prompts' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json().campaign).toMatchObject({ status: 'paused', statusReason: 'paused by alice: checking prompts' });
    expect((await post('pause')).statusCode).toBe(409);
    expect((await post('resume')).json().campaign).toMatchObject({ status: 'running', statusReason: null });
    const cancelled = await post('cancel', 'operator');
    expect(cancelled.json()).toMatchObject({ campaign: { status: 'cancelled' }, itemsCancelled: 4 });
    const items = await itemsOf(fx.env.db, id);
    expect(new Set(items.map((i) => i.status))).toEqual(new Set(['failed']));
    expect((await post('resume')).json().error.message).toContain('campaign is cancelled');
    const audit = await fx.env.db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['campaign.create', 'campaign.pause', 'campaign.resume', 'campaign.cancel']);
    expect(audit[1]).toMatchObject({ before: { status: 'running' }, after: { status: 'paused' } });
    expect(audit[3]).toMatchObject({ before: { status: 'running' }, after: { status: 'cancelled', itemsCancelled: 4 } });
    expect(cancelled.json().campaign.statusReason).toBe('cancelled by oncall');
  });

  test('cancelling removes the waiting rollout jobs of the cancelled items', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'cancel-jobs', questions: 2 });
    const items = await itemsOf(fx.env.db, id);
    await fx.env.db.updateTable('question_stages').set({ status: 'queued' }).where('campaign_id', '=', id).execute();
    await fx.queues.addBulk(
      'rollout',
      items.map(({ campaignId, questionId, stage }) => ({ campaignId, questionId, stage })),
    );
    const before = await fx.queues.queue('rollout').getWaitingCount();
    await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers: fx.auth('operator'), payload: {} });
    expect(await fx.queues.queue('rollout').getWaitingCount()).toBe(before - 2);
  });

  test('a campaign over budget cannot resume until the budget is raised', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'budget', questions: 2 });
    const [item] = await itemsOf(fx.env.db, id);
    await completeItemAsWorkers(fx.env.db, item!);
    await fx.env.db
      .updateTable('campaigns')
      .set({ status: 'paused', budget_tokens: 100, status_reason: 'token budget reached' })
      .where('id', '=', id)
      .execute();
    const refused = await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/resume`, headers: fx.auth('submitter'), payload: {} });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/token budget reached: .* of 100 tokens; raise the budget/);
    const raised = await fx.app.inject({
      method: 'PUT',
      url: `/v1/campaigns/${id}/budget`,
      headers: fx.auth('submitter'),
      payload: { tokens: 10_000_000 },
    });
    expect(raised.json().budget).toEqual({ tokens: 10_000_000, gpuHours: null });
    expect(
      (await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/resume`, headers: fx.auth('submitter'), payload: {} })).statusCode,
    ).toBe(200);
  });
});

describe('status cache', () => {
  test('readers share a cached view; a change made through the API is visible at once', async () => {
    const cached = await buildApp({
      db: fx.env.db,
      queues: fx.queues,
      store: fx.env.store,
      presign: async () => '',
      log: silentLogger(),
      options: { statusCacheMs: 600_000, queueBoard: false },
    });
    try {
      const id = await seedCampaign(fx.env.db, { name: 'cached' });
      const read = async () =>
        (await cached.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: fx.auth('operator') })).json().campaign.status;
      expect(await read()).toBe('running');
      await cached.inject({ method: 'POST', url: `/v1/campaigns/${id}/pause`, headers: fx.auth('operator'), payload: {} });
      expect(await read()).toBe('paused');
      await fx.env.db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', id).execute();
      expect(await read()).toBe('paused');
    } finally {
      await cached.close();
    }
  });
});
