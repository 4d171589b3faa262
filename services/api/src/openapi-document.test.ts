import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApiFixture, type ApiFixture } from './api-test-fixture.ts';

// Response bodies themselves are checked against these schemas by every API and CLI test: the
// fixture turns on `validateResponses`.

const ROOT = join(import.meta.dirname, '..', '..', '..');
let fx: ApiFixture;
let served: {
  paths: Record<
    string,
    Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
  >;
};

beforeAll(async () => {
  fx = await createApiFixture();
  served = (await fx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => fx.close());

test('every operation has a unique operationId and a schema for its 2xx answer', () => {
  const operations = Object.entries(served.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );
  expect(operations.length).toBeGreaterThanOrEqual(31);
  const ids = operations.map(({ op }) => op.operationId);
  expect(ids.filter((id) => !id)).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { path, method, op } of operations) {
    const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
    expect(success.length, `${method} ${path}`).toBeGreaterThan(0);
    for (const [status, response] of success)
      expect(Object.values(response.content ?? {})[0]?.schema, `${method} ${path} ${status} has a schema`).toBeTruthy();
  }
});

test('the committed services/api/openapi.json is the document the API serves (npm run openapi regenerates it)', async () => {
  const committed = JSON.parse(await readFile(join(ROOT, 'services', 'api', 'openapi.json'), 'utf8'));
  expect(committed).toEqual(served);
});

test('Redocly lints the committed document with no error', async () => {
  const redocly = join(ROOT, 'node_modules', '.bin', 'redocly');
  const run = await promisify(execFile)(redocly, ['lint', 'services/api/openapi.json', '--config', 'redocly.yaml', '--format=summary'], {
    cwd: ROOT,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  expect('code' in run ? `exit ${run.code}: ${run.stdout}${run.stderr}` : 'exit 0').toBe('exit 0');
}, 60_000);
