import { createHash, randomUUID } from 'node:crypto';
import { insertPipeline, registerBenchmark } from '@rft/db';
import { validatePipelineSpec } from '@rft/pipeline';
import type { TestEnv } from '@rft/testing';

export const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Stores a pipeline as POST /v1/pipelines does: each named file under pipelines/<id>/files/<sha256>,
 * each benchmark's problems registered, every step waiting. `spec` gets its id through `specFor`
 * (model names that must be unique per test run).
 */
export async function storePipeline(
  env: TestEnv,
  specFor: (id: string) => object,
  files: Record<string, string>,
  benchmarks: Record<string, object[]>,
): Promise<string> {
  const id = randomUUID();
  for (const [name, problems] of Object.entries(benchmarks)) {
    const text = jsonl(problems);
    const objectKey = `benchmarks/${name}/${sha(text)}.jsonl`;
    await env.store.put(objectKey, text);
    await registerBenchmark(env.db, { name, objectKey, sha256: sha(text), problems: problems.length, createdBy: 'test', at: new Date() });
  }
  const stored: Record<string, { key: string; sha256: string; bytes: number }> = {};
  for (const [path, text] of Object.entries(files)) {
    const key = `pipelines/${id}/files/${sha(text)}`;
    await env.store.put(key, text);
    stored[path] = { key, sha256: sha(text), bytes: Buffer.byteLength(text) };
  }
  const { spec } = validatePipelineSpec(specFor(id), 'spec');
  await insertPipeline(env.db, {
    id,
    name: spec.name,
    spec: spec as unknown as Record<string, unknown>,
    steps: Object.entries(spec.steps).map(([name, s]) => ({ name, kind: s.kind })),
    files: stored,
    at: new Date(),
  });
  return id;
}
