import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiFixture, questionsJsonl, TEAM, type ApiFixture } from './api-test-fixture.ts';

let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture();
});
afterAll(() => fx.close());

const specWith = (endpoint: string) => ({
  name: 'ssrf',
  team: TEAM,
  model: { name: 'sim-7b', endpoints: ['http://127.0.0.1:8000', endpoint] },
  stages: [{ name: 'rft', recipe: 'rft', samples: 1 }],
});
const submit = (spec: unknown) =>
  fx.app.inject({ method: 'POST', url: '/v1/campaigns', headers: fx.auth('submitter'), payload: { spec, questions: questionsJsonl(1) } });

describe('campaign endpoints are checked against INFERENCE_ENDPOINT_ALLOWLIST (test env: 127.0.0.1)', () => {
  test.each([
    ['file:///etc/passwd', 'body.spec: model.endpoints.1: must be an http:// or https:// URL'],
    ['javascript:alert(1)', 'body.spec: model.endpoints.1: must be an http:// or https:// URL'],
    [
      'http://169.254.169.254/latest/meta-data/',
      'body.spec.model.endpoints.1: 169.254.169.254 is a loopback, link-local or metadata address',
    ],
    ['http://[::ffff:a9fe:a9fe]/', 'body.spec.model.endpoints.1: 169.254.169.254 is a loopback, link-local or metadata address'],
    ['http://internal-admin:8080', 'body.spec.model.endpoints.1: host "internal-admin" is not in INFERENCE_ENDPOINT_ALLOWLIST'],
    ['http://10.0.0.5:8000', 'body.spec.model.endpoints.1: host "10.0.0.5" is not in INFERENCE_ENDPOINT_ALLOWLIST'],
  ])('%s is refused and nothing is registered', async (endpoint, problem) => {
    const res = await submit(specWith(endpoint));
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as { error: { code: string; problems: string[] } };
    expect(error.code).toBe('invalid_request');
    expect(
      error.problems.some((p) => p.startsWith(problem)),
      error.problems.join('\n'),
    ).toBe(true);
  });

  test('the same refusal when the spec is YAML text', async () => {
    const yaml = `name: ssrf\nteam: ${TEAM}\nmodel: { name: m, endpoints: ["http://169.254.169.254/"] }\nstages: [{ name: rft, recipe: rft }]\n`;
    const res = await submit(yaml);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems[0]).toMatch(/^body\.spec\.model\.endpoints\.0: 169\.254\.169\.254 is a loopback/);
  });

  test('an allowed endpoint is registered', async () => {
    const res = await submit({ ...specWith('http://127.0.0.1:9000'), name: 'allowed' });
    expect(res.statusCode, res.body).toBe(201);
  });
});
