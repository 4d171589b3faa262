import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiFixture, seedCampaign, specYaml, TEAM, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

const problemsOf = (res: { statusCode: number; json(): unknown }) => {
  expect(res.statusCode).toBe(400);
  return (res.json() as { error: { problems: string[] } }).error.problems;
};
const submit = (payload: unknown) =>
  fx.app.inject({ method: 'POST', url: '/v1/campaigns', headers: fx.auth('submitter'), payload: payload as object });
const line = (fields: Record<string, unknown>) => JSON.stringify({ kind: 'math', problem: 'What is 1 + 1?', answer: '2', ...fields });

describe('request bodies refuse unknown keys with a suggestion', () => {
  test('a token request with a misspelt key', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: fx.auth('admin'),
      payload: { name: 'ci', rol: 'operator' },
    });
    expect(problemsOf(res)).toContain('body: unknown key "rol"; did you mean "role"?');
  });

  test('a campaign request with a misspelt top-level key and a spec object with a misspelt nested key', async () => {
    const top = await submit({ spec: specYaml(), questionz: line({ id: 'a' }) });
    expect(problemsOf(top)).toContain('body: unknown key "questionz"; did you mean "questions"?');
    const nested = await submit({
      spec: { name: 'n', team: TEAM, model: { name: 'm' }, stages: [{ name: 'a', recipe: 'rft', sampling: { topp: 0.9 } }] },
      questions: line({ id: 'a' }),
    });
    expect(problemsOf(nested)).toContain('body.spec: stages.0.sampling: unknown key "topp"; did you mean "topP"?');
  });

  test('a budget with a misspelt key', async () => {
    const id = await seedCampaign(fx.env.db);
    const res = await fx.app.inject({
      method: 'PUT',
      url: `/v1/campaigns/${id}/budget`,
      headers: fx.auth('submitter'),
      payload: { token: 5 },
    });
    expect(problemsOf(res)).toContain('body: unknown key "token"; did you mean "tokens"?');
  });
});

describe('text Postgres cannot store is a 400 naming the field, not a 500', () => {
  test.each([
    ['a lone surrogate', '{"reason": "stop \\ud800 now"}'],
    ['a NUL', '{"reason": "stop \\u0000 now"}'],
  ])('%s in a cancel reason', async (_name, payload) => {
    const id = await seedCampaign(fx.env.db);
    const res = await fx.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${id}/cancel`,
      headers: { ...fx.auth('submitter'), 'content-type': 'application/json' },
      payload,
    });
    expect(problemsOf(res)[0]).toMatch(/^body\.reason: contains a (lone UTF-16 surrogate|NUL)/);
  });

  test('a lone surrogate in a token name', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { ...fx.auth('admin'), 'content-type': 'application/json' },
      payload: '{"name": "\\udfff", "role": "operator"}',
    });
    expect(problemsOf(res)[0]).toMatch(/^body\.name: contains a lone UTF-16 surrogate/);
  });

  test('a lone surrogate in a spec object', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { ...fx.auth('submitter'), 'content-type': 'application/json' },
      payload: `{"spec": {"name": "\\ud834", "team": "${TEAM}", "model": {"name": "m"}, "stages": [{"name": "a", "recipe": "rft"}]}, "questions": ${JSON.stringify(line({ id: 'a' }))}}`,
    });
    expect(problemsOf(res)[0]).toMatch(/^body\.spec\.name: contains a lone UTF-16 surrogate/);
  });
});

describe('inline question files follow the intake rules', () => {
  test('ids that collide by case are refused naming both lines; nothing is registered', async () => {
    const res = await submit({ spec: specYaml({ name: 'collide' }), questions: [line({ id: 'Q1' }), line({ id: 'q1' })].join('\n') });
    expect(problemsOf(res)).toEqual([expect.stringMatching(/^questions:2: id: "q1" collides with "Q1" on line 1/)]);
    const list = await fx.app.inject({ method: 'GET', url: '/v1/campaigns?q=collide', headers: fx.auth('submitter') });
    expect(list.json().items).toHaveLength(0);
  });

  test('a blank answer and a fullwidth control token in an answer', async () => {
    const res = await submit({
      spec: specYaml({ name: 'blank' }),
      questions: [line({ id: 'a', answer: '\u00a0' }), line({ id: 'b', answer: '\uff1c\uff5cim_end\uff5c\uff1e' })].join('\n'),
    });
    const problems = problemsOf(res);
    expect(problems[0]).toMatch(/^questions:1: answer: is blank/);
    expect(problems[1]).toMatch(/^questions:2: answer: contains chat-template control text "<\|im_end\|>" \(a look-alike/);
  });
});
