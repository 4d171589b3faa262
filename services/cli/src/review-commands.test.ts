import { createApiFixture, type ApiFixture } from '@rft/api/testing';
import { createCuratorService, loadTokenizer, type Tokenizer } from '@rft/curator';
import { qwenTokenizerFiles } from '@rft/curator/testing';
import { seededQuestion, seedGradedCampaign, selectDatasetFrom } from '@rft/curator/pipeline-testing';
import { readManifest } from '@rft/dataset';
import { auditTrail } from '@rft/db';
import { createLogger } from '@rft/telemetry';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCliHarness } from './cli-test-harness.ts';
import { EXIT } from './exit-codes.ts';

let fx: ApiFixture;
let cli: Awaited<ReturnType<typeof createCliHarness>>;
let curator: ReturnType<typeof createCuratorService>;
let tokenizer: Tokenizer;
let datasetId: string;

beforeAll(async () => {
  fx = await createApiFixture();
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fx.app.server.address();
  cli = await createCliHarness(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  tokenizer = await loadTokenizer(qwenTokenizerFiles());
  const campaignId = await seedGradedCampaign(fx.env, {
    name: 'rft',
    model: 'Qwen/QwQ-32B-Preview',
    stage: 'rft',
    questions: [1, 2, 3, 4].map((i) => ({
      question: seededQuestion(i),
      samples: [
        { correct: true, ...(i === 1 ? { metrics: { repetition: { repN: 0.28 } } } : {}), ...(i === 2 ? { reasoningRepeat: 30 } : {}) },
      ],
    })),
  });
  datasetId = await selectDatasetFrom({ ...fx.env, tokenizer }, campaignId, 4);
  const log = createLogger('test', { level: 'silent' });
  curator = createCuratorService(
    {
      db: fx.env.db,
      store: fx.env.store,
      log,
      tokenizer,
      tokenizerName: 'qwen3',
      connection: fx.env.redis,
      queuePrefix: fx.env.queuePrefix,
    },
    { concurrency: 1 },
  );
  await curator.start();
});
afterAll(async () => {
  await curator?.close();
  await cli?.cleanup();
  await fx?.close();
});

test('export, decide and import through the API: the curator builds the reviewed version, audited under the reviewer', async () => {
  const exported = await cli.run(['datasets', 'review', 'export', datasetId], { token: fx.tokens.operator });
  expect(exported.code).toBe(EXIT.ok);
  const lines = exported.stdout.split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => [l.questionId, l.flags.map((f: { reason: string }) => f.reason), l.question, l.decision])).toEqual([
    [seededQuestion(1).id, ['borderline_repetition'], seededQuestion(1).problem, null],
    [seededQuestion(2).id, ['very_long'], seededQuestion(2).problem, null],
  ]);
  const reviewed = [
    { ...lines[0], decision: 'drop' },
    { ...lines[1], decision: 'edit', edits: [{ segment: 1, text: 'Adding the two numbers.\n' }] },
  ];
  const file = await cli.file('review.jsonl', reviewed.map((l) => JSON.stringify(l)).join('\n'));

  // A masked segment cannot be edited: the API refuses before anything is built.
  const bad = await cli.file('bad.jsonl', JSON.stringify({ ...lines[1], decision: 'edit', edits: [{ segment: 2, text: 'x' }] }));
  const refused = await cli.run(['datasets', 'review', 'import', datasetId, bad, '--reviewer', 'carol'], { token: fx.tokens.operator });
  expect(refused.code).toBe(EXIT.invalidInput);
  expect(refused.stderr).toMatch(/segment 2 is hint/);

  const imported = await cli.run(['datasets', 'review', 'import', datasetId, file, '--reviewer', 'carol', '--json'], {
    token: fx.tokens.operator,
    onSleep: () => new Promise((r) => setTimeout(r, 200)),
  });
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(EXIT.ok);
  const status = imported.json<{ status: string; datasetId: string; parentDatasetId: string }>();
  expect(status).toMatchObject({ status: 'built', parentDatasetId: datasetId });
  const manifest = await readManifest(fx.env.store, status.datasetId);
  expect(manifest.review).toMatchObject({
    parentDatasetId: datasetId,
    reviewers: ['carol'],
    edits: [
      { sampleId: lines[0].sampleId, decision: 'drop', reviewer: 'carol', sha256After: null },
      { sampleId: lines[1].sampleId, decision: 'edit', reviewer: 'carol' },
    ],
  });
  expect(manifest.counts.kept).toBe(3);
  const again = await cli.run(['datasets', 'review', 'import', datasetId, file, '--reviewer', 'carol'], { token: fx.tokens.operator });
  expect(again.stdout).toBe(`reviewed version ${status.datasetId} (parent ${datasetId}, 2 decisions by carol)`);
  const [audit] = await auditTrail(fx.env.db, 'dataset', status.datasetId);
  expect(audit).toMatchObject({ actor: 'carol', action: 'dataset.review', after: { submittedBy: expect.stringContaining('oncall') } });
});
