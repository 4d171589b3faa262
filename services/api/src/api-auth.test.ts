import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiFixture, questionsJsonl, seedCampaign, specYaml, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

interface OpenApiOperation {
  'x-roles': string[];
}

const SOME_UUID = '00000000-0000-4000-8000-000000000000';
const fill = (path: string) => path.replace('{id}', SOME_UUID).replace('{shard}', '0').replace('{questionId}', 'q0');

describe('authentication and roles', () => {
  test('every documented route answers 401 without a token and 403 for a role it does not allow', async () => {
    const doc = (await fx.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([, ops]) => Object.values(ops).every((op) => op['x-roles']))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const { path, method, op } of operations) {
      const url = fill(path);
      const anonymous = await fx.app.inject({ method: method as 'GET', url, payload: method === 'GET' ? undefined : {} });
      expect(anonymous.statusCode, `${method} ${path} without token`).toBe(401);
      const bogus = await fx.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: 'Bearer not-a-token' },
        payload: method === 'GET' ? undefined : {},
      });
      expect(bogus.statusCode, `${method} ${path} with unknown token`).toBe(401);
      const forbidden = (['submitter', 'operator', 'launcher'] as const).find((role) => !op['x-roles'].includes(role));
      if (!forbidden) continue;
      const denied = await fx.app.inject({
        method: method as 'GET',
        url,
        headers: fx.auth(forbidden),
        payload: method === 'GET' ? undefined : {},
      });
      expect(denied.statusCode, `${method} ${path} as ${forbidden}`).toBe(403);
      expect(denied.json().error.message).toContain(`role "${forbidden}"`);
    }
  });

  test('the queue board is for operators only', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await fx.app.inject({ method: 'GET', url: '/admin/queues', headers: fx.auth('submitter') })).statusCode).toBe(403);
    const page = await fx.app.inject({ method: 'GET', url: '/admin/queues', headers: fx.auth('operator') });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const api = await fx.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { cookie: `rft_token=${fx.tokens.operator}` },
    });
    expect(api.statusCode).toBe(200);
    const names = (api.json() as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues.map((q) => [q.name, q.readOnlyMode]);
    expect(names).toEqual(
      expect.arrayContaining([
        ['rollout', true],
        ['grade', true],
        ['curate', true],
      ]),
    );
  });

  test('admins create tokens that work at once and revoke them', async () => {
    const created = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: fx.auth('admin'),
      payload: { name: 'ci', role: 'operator' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    const stored = await fx.env.db.selectFrom('api_tokens').select('token_sha256').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_sha256).not.toContain(token);
    const headers = { authorization: `Bearer ${token}` };
    expect((await fx.app.inject({ method: 'GET', url: '/v1/campaigns', headers })).statusCode).toBe(200);
    const used = await fx.env.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(used.last_used_at).toBeInstanceOf(Date);
    expect((await fx.app.inject({ method: 'DELETE', url: `/v1/tokens/${id}`, headers: fx.auth('admin') })).statusCode).toBe(200);
    expect((await fx.app.inject({ method: 'GET', url: '/v1/campaigns', headers })).statusCode).toBe(401);
    const bad = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: fx.auth('admin'),
      payload: { name: 'x', role: 'submitter' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('body.team');
    const audit = await fx.env.db.selectFrom('audit_events').select('action').where('target_id', '=', id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['token.create', 'token.revoke']);
  });

  test('submitters see and act on their own team only', async () => {
    const mine = await seedCampaign(fx.env.db, { name: 'mine' });
    const theirs = await seedCampaign(fx.env.db, { name: 'theirs', team: 'nlp' });
    const list = (await fx.app.inject({ method: 'GET', url: '/v1/campaigns?limit=100', headers: fx.auth('submitter') })).json() as {
      items: Array<{ id: string }>;
    };
    expect(list.items.map((c) => c.id)).toContain(mine);
    expect(list.items.map((c) => c.id)).not.toContain(theirs);
    expect((await fx.app.inject({ method: 'GET', url: `/v1/campaigns/${theirs}`, headers: fx.auth('submitter') })).statusCode).toBe(403);
    expect(
      (await fx.app.inject({ method: 'POST', url: `/v1/campaigns/${theirs}/pause`, headers: fx.auth('submitter'), payload: {} }))
        .statusCode,
    ).toBe(403);
    const wrongTeam = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: fx.auth('submitter'),
      payload: { spec: specYaml({ team: 'nlp' }), questions: questionsJsonl(2) },
    });
    expect(wrongTeam.statusCode).toBe(403);
    expect(wrongTeam.json().error.message).toContain('team: vision');
  });
});

describe('health, metrics, OpenAPI', () => {
  test('health and readiness need no token; readiness checks Postgres and Redis', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    const ready = await fx.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
  });

  test('/metrics reports BullMQ job counts per queue and state', async () => {
    const id = await seedCampaign(fx.env.db, { name: 'metrics' });
    await fx.queues.add('rollout', { campaignId: id, questionId: 'q0', stage: 'rft' });
    const text = (await fx.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/bullmq_job_count\{queue="rollout",state="waiting"\} 1/);
    expect(text).toMatch(/bullmq_job_count\{queue="grade",state="active"\} 0/);
    expect(text).toMatch(/rft_campaigns\{status="running"\} \d+/);
  });

  test('the OpenAPI document carries request schemas from the shared contracts', async () => {
    const doc = (await fx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const create = doc.paths['/v1/campaigns'].post;
    expect(Object.keys(create.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['spec', 'questions', 'questionsKey', 'budget']),
    );
    const list = doc.paths['/v1/campaigns'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'sort', 'limit', 'offset']));
    expect(doc.paths['/v1/campaigns/{id}/retry'].post['x-roles']).toEqual(['admin', 'operator']);
  });
});
