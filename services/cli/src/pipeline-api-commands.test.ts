import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { completeItemAsWorkers, createApiFixture, itemsOf, questionsJsonl, seedCampaign, type ApiFixture } from '@rft/api/testing';
import { transitionPipelineStep } from '@rft/db';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCliHarness } from './cli-test-harness.ts';
import { EXIT } from './exit-codes.ts';

let fx: ApiFixture;
let cli: Awaited<ReturnType<typeof createCliHarness>>;

beforeAll(async () => {
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  cli = await createCliHarness(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
afterAll(async () => {
  await cli.cleanup();
  await fx.close();
});

const benchmarkJsonl = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `b${i}`, kind: 'math', problem: `Held-out problem ${i}?`, answer: String(i) }),
  ).join('\n');

const spec = `
name: cli-tiny
models:
  sim: { name: sim-7b, endpoints: [http://127.0.0.1:9000] }
benchmarks:
  bench-c: { file: bench/c.jsonl }
steps:
  greedy: { kind: campaign, model: sim, questions: q/train.jsonl, recipe: greedy }
  hint:
    kind: campaign
    model: sim
    questions: q/train.jsonl
    recipe: hint-infer
    admit: { step: greedy, questions: graded-wrong }
  evaluate:
    kind: eval
    benchmarks: [bench-c]
    models: [sim]
    recipe: { mode: sampled, samples: 2, temperature: 0.6 }
`;

async function writeUnder(rel: string, content: string): Promise<string> {
  const path = join(cli.dir, 'p', rel);
  await mkdir(dirname(path), { recursive: true });
  return cli.file(join('p', rel), content);
}

test('submit reads the files relative to the spec, status shows the DAG, retry and accept move a failed step', async () => {
  const specPath = await writeUnder('pipeline.yaml', spec);
  await writeUnder('q/train.jsonl', questionsJsonl(3));
  await writeUnder('bench/c.jsonl', benchmarkJsonl(2));
  const submitted = await cli.run(['pipelines', 'submit', specPath, '--json'], { token: fx.tokens.submitter });
  expect(submitted.code, submitted.stderr).toBe(EXIT.ok);
  const { id, benchmarks } = submitted.json();
  expect(benchmarks).toEqual([expect.objectContaining({ name: 'bench-c', problems: 2 })]);

  const list = await cli.run(['pipelines', 'list'], { token: fx.tokens.operator });
  expect(list.stdout).toContain('cli-tiny');

  await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'running', at: new Date() });
  await transitionPipelineStep(fx.env.db, { pipelineId: id, step: 'greedy', to: 'failed', reason: 'campaign failed', at: new Date() });
  const status = await cli.run(['pipelines', 'status', 'cli-tiny'], { token: fx.tokens.operator });
  expect(status.code, status.stderr).toBe(EXIT.ok);
  expect(status.stdout).toContain('greedy (campaign): failed - campaign failed');
  expect(status.stdout).toContain(`next: rft pipelines retry-step ${id.slice(0, 8)} greedy`);
  expect(status.stdout).toContain('hint (campaign): waiting   after greedy\n    held by greedy');

  const retried = await cli.run(['pipelines', 'retry-step', id.slice(0, 8), 'greedy'], { token: fx.tokens.operator });
  expect(retried.stdout).toBe(`step greedy of pipeline ${id.slice(0, 8)} is now waiting`);
  const again = await cli.run(['pipelines', 'retry-step', id, 'greedy'], { token: fx.tokens.operator });
  expect(again.code).toBe(EXIT.conflict);
  expect(again.stderr).toContain('step greedy is waiting');
  const noReason = await cli.run(['pipelines', 'accept-step', id, 'greedy'], { token: fx.tokens.operator });
  expect(noReason.code).toBe(EXIT.usage);
});

test('a missing named file and a bad question line are refused locally, exit 3', async () => {
  const specPath = await writeUnder('other/pipeline.yaml', spec.replace('cli-tiny', 'cli-bad'));
  const missing = await cli.run(['pipelines', 'submit', specPath], { token: fx.tokens.operator });
  expect(missing.code).toBe(EXIT.invalidInput);
  expect(missing.stderr).toMatch(/cannot read the file named by benchmarks\.bench-c\.file .*other\/bench\/c\.jsonl: ENOENT/);
  await writeUnder('other/q/train.jsonl', '{"id": "x"}');
  await writeUnder('other/bench/c.jsonl', benchmarkJsonl(2));
  const bad = await cli.run(['pipelines', 'submit', specPath], { token: fx.tokens.operator });
  expect(bad.code).toBe(EXIT.invalidInput);
  expect(bad.stderr).toContain('q/train.jsonl:1');
});

test('models register and list with lineage; benchmarks add and list', async () => {
  const reg = await cli.run(['models', 'register', 'base-m', '--endpoint', 'http://127.0.0.1:8100', '--profile', 'qwq-32b-preview'], {
    token: fx.tokens.operator,
  });
  expect(reg.code, reg.stderr).toBe(EXIT.ok);
  const models = await cli.run(['models', 'list'], { token: fx.tokens.submitter });
  expect(models.stdout).toMatch(/base-m\s+qwq-32b-preview\s+base\s+http:\/\/127\.0\.0\.1:8100/);
  const file = await cli.file('bench.jsonl', benchmarkJsonl(3));
  const added = await cli.run(['benchmarks', 'add', 'bench-d', file], { token: fx.tokens.operator });
  expect(added.code, added.stderr).toBe(EXIT.ok);
  expect(added.stdout).toMatch(/^benchmark bench-d: 3 problems, stored at benchmarks\/bench-d\/[0-9a-f]{64}\.jsonl$/);
  expect((await cli.run(['benchmarks', 'list'], { token: fx.tokens.operator })).stdout).toContain('bench-d');
});

test('report prints the results table', async () => {
  const id = (await cli.run(['pipelines', 'list', '--json', '--name', 'cli-tiny'], { token: fx.tokens.operator })).json()[0].id;
  const campaignId = await seedCampaign(fx.env.db, { name: 'eval-c', questions: 2, samples: 2 });
  for (const item of await itemsOf(fx.env.db, campaignId)) await completeItemAsWorkers(fx.env.db, item, { correct: (i) => i === 0 });
  await transitionPipelineStep(fx.env.db, {
    pipelineId: id,
    step: 'evaluate',
    to: 'running',
    output: { campaigns: [{ model: 'sim', benchmark: 'bench-c', campaignId }] },
    at: new Date(),
  });
  const report = await cli.run(['pipelines', 'report', id, '--metric', 'pass@1'], { token: fx.tokens.operator });
  expect(report.code, report.stderr).toBe(EXIT.ok);
  expect(report.stdout).toMatch(/^\| pass@1 \| bench-c \|\n\|---\|---\|\n\| sim \| 50\.0 \[50\.0, 50\.0\] \(2×2\) \|/);
});
