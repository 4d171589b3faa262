import { randomUUID } from 'node:crypto';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BenchmarkConflictError, getBenchmark, listBenchmarks, registerBenchmark } from './benchmarks.ts';
import { getPipeline, insertPipeline, listPipelines, pipelineIdsWithUnfinishedSteps, transitionPipelineStep } from './pipelines.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const at = new Date('2026-01-01T00:00:00Z');

it('registers a benchmark once per content and refuses other content under a taken name', async () => {
  const aime = { name: 'aime24', objectKey: 'benchmarks/aime24/a.jsonl', sha256: 'a'.repeat(64), problems: 30, createdBy: 'ops', at };
  const first = await registerBenchmark(env.db, aime);
  expect(first).toMatchObject({ name: 'aime24', problems: 30, createdBy: 'ops' });
  // The same file again is a no-op returning the stored row.
  await expect(registerBenchmark(env.db, { ...aime, objectKey: 'elsewhere' })).resolves.toMatchObject({ objectKey: aime.objectKey });
  await expect(registerBenchmark(env.db, { ...aime, sha256: 'b'.repeat(64) })).rejects.toThrow(BenchmarkConflictError);
  expect((await getBenchmark(env.db, 'aime24'))?.sha256).toBe(aime.sha256);
  expect((await listBenchmarks(env.db)).map((b) => b.name)).toEqual(['aime24']);
});

it('stores a pipeline with its files and lists pipelines with unfinished steps until every step is done', async () => {
  const id = randomUUID();
  const files = { 'questions/train.jsonl': { key: `pipelines/${id}/files/q.jsonl`, sha256: 'c'.repeat(64), bytes: 12 } };
  await insertPipeline(env.db, { id, name: 'files', spec: { name: 'files' }, steps: [{ name: 'greedy', kind: 'campaign' }], files, at });
  expect((await getPipeline(env.db, id))?.files).toEqual(files);
  expect((await listPipelines(env.db, { name: 'files' })).map((p) => p.id)).toEqual([id]);
  expect(await pipelineIdsWithUnfinishedSteps(env.db)).toContain(id);
  await transitionPipelineStep(env.db, { pipelineId: id, step: 'greedy', to: 'running', at });
  expect(await pipelineIdsWithUnfinishedSteps(env.db)).toContain(id);
  await transitionPipelineStep(env.db, { pipelineId: id, step: 'greedy', to: 'succeeded', at });
  expect(await pipelineIdsWithUnfinishedSteps(env.db)).not.toContain(id);
});
