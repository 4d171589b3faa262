import { zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApiFixture, questionsJsonl, specYaml, TEAM, type ApiFixture } from './api-test-fixture.ts';

const LIMIT = 64 * 1024;
let fx: ApiFixture;
beforeAll(async () => {
  fx = await createApiFixture({ options: { maxQuestionFileBytes: LIMIT } });
});
afterAll(() => fx.close());

const register = (questionsKey: string) =>
  fx.app.inject({ method: 'POST', url: '/v1/campaigns', headers: fx.auth('submitter'), payload: { spec: specYaml(), questionsKey } });

describe('an uploaded question file is bounded before it is read', () => {
  test('a zstd object that expands past the limit (a decompression bomb) is refused naming questionsKey', async () => {
    const bomb = zstdCompressSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMIT);
    await fx.env.store.put(`uploads/${TEAM}/bomb.jsonl.zst`, bomb);
    const res = await register(`uploads/${TEAM}/bomb.jsonl.zst`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems[0]).toMatch(/^body\.questionsKey: the question file is over the 65536-byte limit/);
  });

  test('an uncompressed object over the limit is refused', async () => {
    await fx.env.store.put(`uploads/${TEAM}/big.jsonl`, 'x'.repeat(LIMIT + 1));
    const res = await register(`uploads/${TEAM}/big.jsonl`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems[0]).toMatch(/^body\.questionsKey: the question file is over/);
  });

  test('an object that is not zstd is named', async () => {
    await fx.env.store.put(`uploads/${TEAM}/fake.jsonl.zst`, 'not zstd');
    const res = await register(`uploads/${TEAM}/fake.jsonl.zst`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.problems[0]).toMatch(/^body\.questionsKey: .* is not valid zstd/);
  });

  test('a file within the limit registers', async () => {
    await fx.env.store.put(`uploads/${TEAM}/ok.jsonl.zst`, zstdCompressSync(Buffer.from(questionsJsonl(3))));
    const res = await register(`uploads/${TEAM}/ok.jsonl.zst`);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().questions).toBe(3);
  });
});
