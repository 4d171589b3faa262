import { InputError } from '@rft/contracts';
import {
  flaggedRows,
  readManifest,
  reviewExportLine,
  sha256Hex,
  trainedText,
  versionRows,
  type ReviewDecision,
  type VersionRow,
} from '@rft/dataset';
import { auditTrail, reviewOutcome } from '@rft/db';
import type { JobContext } from '@rft/queue';
import { createLogger } from '@rft/telemetry';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../dataset/index.ts';
import { qwenTokenizerFiles } from '../dataset/test-support.ts';
import { seededQuestion, seedGradedCampaign, selectDatasetFrom, type SeededSample } from '../pipeline-select/graded-campaign-fixture.ts';
import { importReview } from './import-review.ts';
import { runReviewImportJob } from './review-import-job.ts';

let env: TestEnv;
let tokenizer: Tokenizer;
let datasetId: string;
const _at = new Date('2026-03-01T00:00:00Z');
const id = (i: number) => seededQuestion(i).id;

/** Six solved questions: q1 near the repetition limit, q2 far from it, q3 recovered from a tool error, q4 very long. */
const SAMPLES: Record<number, SeededSample> = {
  1: { correct: true, metrics: { repetition: { repN: 0.25, maxLongNgramCount: 3 } } },
  2: { correct: true, metrics: { repetition: { repN: 0.1, maxLongNgramCount: 3 } } },
  3: { correct: true, metrics: { tools: { toolCalls: 2, toolErrors: 1 } } },
  4: { correct: true, reasoningRepeat: 40 },
  5: { correct: true },
  6: { correct: true },
};

beforeAll(async () => {
  env = await createTestEnv();
  tokenizer = await loadTokenizer(qwenTokenizerFiles());
  const campaignId = await seedGradedCampaign(env, {
    name: 'rft',
    model: 'Qwen/QwQ-32B-Preview',
    stage: 'rft',
    questions: [1, 2, 3, 4, 5, 6].map((i) => ({ question: seededQuestion(i), samples: [SAMPLES[i]!] })),
  });
  datasetId = await selectDatasetFrom({ ...env, tokenizer }, campaignId, 6);
});
afterAll(async () => {
  await env.cleanup();
});

async function exportReview(id: string, opts: Parameters<typeof flaggedRows>[2] = {}) {
  const flagged = await flaggedRows(env.store, await readManifest(env.store, id), opts);
  return flagged.map(({ row, flags }) => reviewExportLine(id, row, flags, `question of ${row.question_id}`));
}

test('export lists borderline repetition, recovered tool errors and the longest rows, each with an empty decision', async () => {
  const lines = await exportReview(datasetId);
  expect(lines.map((l) => [l.questionId, l.flags.map((f) => f.reason)])).toEqual([
    [id(1), ['borderline_repetition']],
    [id(3), ['recovered_tool_error']],
    [id(4), ['very_long']],
  ]);
  const first = lines[0]!;
  expect(first).toMatchObject({ datasetId, question: `question of ${id(1)}`, decision: null, edits: [] });
  expect(first.flags[0]!.detail).toBe('repN=0.25 (limit 0.3)');
  expect(first.trainedText).toBe(trainedText(first.segments));
  expect(first.segments.map((s) => s.kind)).toEqual(['prompt', 'model', 'hint', 'code', 'tool_output', 'model']);
  // A stricter fraction flags less; none at all when nothing is near the limits.
  expect((await exportReview(datasetId, { borderlineFraction: 0.9, longTokens: 1e9 })).map((l) => l.questionId)).toEqual([id(3)]);
});

test('import builds a new version without the dropped rows, with the edits, listed in its manifest and the audit trail', async () => {
  const parent = await readManifest(env.store, datasetId);
  const parentRows = new Map<string, VersionRow>();
  for await (const row of versionRows(env.store, parent)) parentRows.set(row.id, row);
  const sampleOf = (i: number) => [...parentRows.values()].find((r) => r.question_id === id(i))!.id;
  const decisions: ReviewDecision[] = [
    { sampleId: sampleOf(1), decision: 'drop' },
    { sampleId: sampleOf(3), decision: 'edit', edits: [{ segment: 1, text: 'Let me check this with python.\n' }] },
    // The reviewer retypes the last segment without the end-of-turn token: it is kept.
    { sampleId: sampleOf(4), decision: 'edit', edits: [{ segment: 5, text: 'The answer is 8.\n</think>\n\n\\boxed{8}' }] },
  ];
  const result = await importReview({ ...env, tokenizer }, datasetId, decisions, 'alice');
  expect(result).toMatchObject({ parentDatasetId: datasetId, existed: false, rows: 5, kept: 0, dropped: 1, edited: 2 });
  expect(result.datasetId).not.toBe(datasetId);

  const manifest = await readManifest(env.store, result.datasetId);
  expect(manifest.lineage).toEqual(parent.lineage);
  expect(manifest.counts).toMatchObject({ input: 5, kept: 5, droppedByBuild: {} });
  const rows = [];
  for await (const row of versionRows(env.store, manifest)) rows.push(row);
  expect(rows.map((r) => r.question_id)).toEqual([2, 3, 4, 5, 6].map(id));
  const edited4 = rows.find((r) => r.question_id === id(4))!;
  expect(edited4.segments.at(-1)).toEqual({ kind: 'model', text: 'The answer is 8.\n</think>\n\n\\boxed{8}<|im_end|>', train: true });
  const edited3 = rows.find((r) => r.question_id === id(3))!;
  expect(edited3.segments[1]).toEqual({ kind: 'model', text: 'Let me check this with python.\n', train: true });
  // Masks follow the kinds: the hint and tool output stay masked.
  expect(edited3.segments.map((s) => s.train)).toEqual([false, true, false, true, false, true]);
  // An undecided row is carried over as it was.
  expect(rows.find((r) => r.question_id === id(2))).toEqual(parentRows.get(sampleOf(2)));

  expect(manifest.review).toEqual({
    parentDatasetId: datasetId,
    reviewers: ['alice'],
    kept: 0,
    edits: [
      {
        sampleId: sampleOf(1),
        decision: 'drop',
        reviewer: 'alice',
        sha256Before: sha256Hex(trainedText(parentRows.get(sampleOf(1))!.segments)),
        sha256After: null,
      },
      {
        sampleId: sampleOf(3),
        decision: 'edit',
        reviewer: 'alice',
        sha256Before: sha256Hex(trainedText(parentRows.get(sampleOf(3))!.segments)),
        sha256After: sha256Hex(trainedText(edited3.segments)),
      },
      {
        sampleId: sampleOf(4),
        decision: 'edit',
        reviewer: 'alice',
        sha256Before: sha256Hex(trainedText(parentRows.get(sampleOf(4))!.segments)),
        sha256After: sha256Hex(trainedText(edited4.segments)),
      },
    ],
  });
  const trail = await auditTrail(env.db, 'dataset', result.datasetId);
  expect(trail).toHaveLength(1);
  expect(trail[0]).toMatchObject({ actor: 'alice', action: 'dataset.review', after: { rows: 5, dropped: 1, edited: 2 } });
  const rowTrail = await auditTrail(env.db, 'dataset_row', `${datasetId}/${sampleOf(4)}`);
  expect(rowTrail).toMatchObject([{ actor: 'alice', action: 'dataset.review.edit' }]);
  const items = await env.db.selectFrom('dataset_items').select('sample_id').where('dataset_id', '=', result.datasetId).execute();
  expect(items.map((i) => i.sample_id).sort()).toEqual(rows.map((r) => r.id).sort());

  // The same review again is the same version: nothing new is registered or audited.
  const again = await importReview({ ...env, tokenizer }, datasetId, decisions, 'alice');
  expect(again).toMatchObject({ datasetId: result.datasetId, existed: true });
  expect(await auditTrail(env.db, 'dataset', result.datasetId)).toHaveLength(1);

  // A reviewed version can be reviewed again: its edits are the starting point.
  const second = await importReview({ ...env, tokenizer }, result.datasetId, [{ sampleId: sampleOf(2), decision: 'keep' }], 'bob');
  const secondRows = [];
  for await (const row of versionRows(env.store, await readManifest(env.store, second.datasetId))) secondRows.push(row);
  expect(secondRows.find((r) => r.question_id === id(4))!.segments.at(-1)!.text).toBe(edited4.segments.at(-1)!.text);
  expect(second).toMatchObject({ rows: 5, kept: 1, dropped: 0, edited: 0 });
});

test('import refuses edits of masked segments, a stray end-of-turn token, unknown samples and an empty reviewer', async () => {
  const [line] = await exportReview(datasetId);
  const sampleId = line!.sampleId;
  const refused = (decisions: ReviewDecision[], reviewer = 'alice') => importReview({ ...env, tokenizer }, datasetId, decisions, reviewer);
  await expect(refused([{ sampleId, decision: 'edit', edits: [{ segment: 2, text: 'x' }] }])).rejects.toThrow(
    /segment 2 is hint; only model and code/,
  );
  await expect(refused([{ sampleId, decision: 'edit', edits: [{ segment: 4, text: 'x' }] }])).rejects.toThrow(/tool_output/);
  await expect(refused([{ sampleId, decision: 'edit', edits: [{ segment: 1, text: 'stop<|im_end|>' }] }])).rejects.toThrow(
    /end-of-turn token <\|im_end\|> may only end the row/,
  );
  await expect(refused([{ sampleId: 'nope', decision: 'drop' }])).rejects.toThrow(/samples not in dataset/);
  await expect(refused([{ sampleId, decision: 'keep' }], ' ')).rejects.toThrow(InputError);
});

test('a review-import job that cannot succeed records why, where the submitter looks for the outcome', async () => {
  const [line] = await exportReview(datasetId);
  const decisionsKey = `reviews/${datasetId}/test.jsonl`;
  await env.store.put(decisionsKey, `${JSON.stringify({ sampleId: line!.sampleId, decision: 'drop' })}\n`);
  const payload = { datasetId, decisionsKey, reviewId: 'f'.repeat(64), reviewer: 'dora', submittedBy: 'test' };
  const ctx = { job: { id: 'j' }, signal: new AbortController().signal, isLastAttempt: false } as unknown as JobContext;
  const log = createLogger('test', { level: 'silent' });
  const otherTokenizer = { ...tokenizer, sha256: '0'.repeat(64) } as Tokenizer;
  expect(await reviewOutcome(env.db, payload.reviewId)).toEqual({ status: 'pending' });
  await expect(runReviewImportJob({ ...env, log, tokenizer: otherTokenizer }, payload, ctx)).rejects.toThrow(/tokenized with/);
  expect(await reviewOutcome(env.db, payload.reviewId)).toEqual({
    status: 'failed',
    reason: expect.stringMatching(
      /^review import failed: dataset ds-\w+ was tokenized with qwen3 \(sha256 [0-9a-f]{64}\); this service has 0{64}$/,
    ),
  });
  // With the right tokenizer the same job builds, and the outcome names the version.
  await runReviewImportJob({ ...env, log, tokenizer }, payload, ctx);
  const outcome = await reviewOutcome(env.db, payload.reviewId);
  expect(outcome.status).toBe('built');
});
