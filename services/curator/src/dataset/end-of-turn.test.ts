import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PROFILES, type ModelProfile, type Segment, type Trajectory } from '@rft/contracts';
import type { AxolotlRow, SharegptRow } from '../export/index.ts';
import { buildDatasetVersion } from './build-dataset-version.ts';
import type { DatasetRowInput } from './canonical-record.ts';
import { checkEndOfTurn } from './end-of-turn-check.ts';
import { maskedSegments } from './canonical-record.ts';
import { loadTokenizer, type Tokenizer } from './tokenizer.ts';
import { qwenTokenizerFiles, sampleInfo, sampleRow, startTestS3, type TestS3 } from './test-support.ts';

let s3: TestS3;
let tokenizer: Tokenizer;
let scratch: string;

beforeAll(async () => {
  s3 = await startTestS3();
  tokenizer = await loadTokenizer(qwenTokenizerFiles());
  scratch = await mkdtemp(join(tmpdir(), 'rft-eot-test-'));
});
afterAll(async () => {
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The prompt as each profile's template renders a one-question conversation. */
function renderedPrompt(profile: ModelProfile, question: string): string {
  if (profile.name === 'deepseek-r1-distill') return `<｜User｜>${question}<｜Assistant｜><think>\n`;
  const opened = profile.thinking?.openedByPrompt ? `${profile.thinking.open}\n` : '';
  return `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n${opened}`;
}

/** A correct tool-using sample as the engine stores it for `profile`: the end-of-turn token its own last segment. */
function profileRow(profile: ModelProfile, i: number, tail: Segment[] = []): DatasetRowInput {
  const base = sampleRow(i);
  const open = profile.thinking && !profile.thinking.openedByPrompt ? `${profile.thinking.open}\n` : '';
  const close = profile.thinking ? `${profile.thinking.close}\n\n` : '';
  const endOfTurn: Segment = {
    kind: 'model',
    text: profile.endOfTurn,
    meta: { endOfTurn: true, echoed: '', finishReason: 'stop', stopReason: null },
  };
  const trajectory: Trajectory = {
    ...base.trajectory,
    modelProfile: profile.name,
    endOfTurn: profile.endOfTurn,
    segments: [
      { kind: 'prompt', text: renderedPrompt(profile, base.question.problem) },
      { kind: 'model', text: `${open}Let me add.\n` },
      { kind: 'code', text: `\`\`\`python\nprint(${i} + ${i})\n\`\`\`\n` },
      { kind: 'tool_output', text: `\`\`\`output\n${2 * i}\n\`\`\`\n` },
      { kind: 'model', text: `So ${2 * i}.\n${close}\\boxed{${2 * i}}` },
      ...(tail.length > 0 ? tail : [endOfTurn]),
    ],
  };
  return { ...base, trajectory, sampleId: `${profile.name}-${i}` };
}

async function parquetRows<T>(bytes: Uint8Array, sql: (file: string) => string): Promise<T[]> {
  const file = join(scratch, `${createHash('sha256').update(bytes).digest('hex')}.parquet`);
  await writeFile(file, bytes);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql(`read_parquet('${file}')`))).getRowObjectsJson() as T[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const jsonlRows = <T>(bytes: Uint8Array): T[] =>
  Buffer.from(bytes)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

describe('checkEndOfTurn', () => {
  const profile = MODEL_PROFILES['qwq-32b'];
  const check = (row: DatasetRowInput) => checkEndOfTurn(row.trajectory, maskedSegments(row.trajectory));

  it('accepts an EOS-ended row holding the end-of-turn token once, last, trained', () => {
    expect(check(profileRow(profile, 1))).toBeNull();
  });

  it('refuses a row without it, with it twice (echoed and stored), or with it in masked text', () => {
    expect(check(profileRow(profile, 1, [{ kind: 'model', text: '.' }]))).toBe('end_of_turn_missing');
    expect(check(profileRow(profile, 1, [{ kind: 'model', text: '<|im_end|><|im_end|>' }]))).toBe('end_of_turn_repeated');
    expect(check(profileRow(profile, 1, [{ kind: 'tool_output', text: '<|im_end|>' }]))).toBe('end_of_turn_missing');
    // The R1 token is not Qwen's: a qwq row ending on `<｜end▁of▁sentence｜>` never learned to stop.
    expect(check(profileRow(profile, 1, [{ kind: 'model', text: MODEL_PROFILES['deepseek-r1-distill'].endOfTurn }]))).toBe(
      'end_of_turn_missing',
    );
  });

  it('uses the default profile for rows that recorded none, and refuses an unknown profile', () => {
    const legacy = sampleRow(1);
    expect(check(legacy)).toBeNull();
    expect(checkEndOfTurn({ ...legacy.trajectory, modelProfile: 'gpt-9' }, maskedSegments(legacy.trajectory))).toBe(
      'unknown_model_profile',
    );
  });

  it('leaves rows that did not end on EOS to the grader', () => {
    const cut = profileRow(profile, 1, [{ kind: 'model', text: 'and then' }]);
    expect(checkEndOfTurn({ ...cut.trajectory, end: 'token_budget' }, maskedSegments(cut.trajectory))).toBeNull();
  });
});

describe.each(Object.values(MODEL_PROFILES))('every export trains the end-of-turn token ($name)', (profile) => {
  it(`ends TRL, axolotl and LLaMA-Factory rows with ${profile.endOfTurn} in the trained part, and refuses a row without it`, async () => {
    const rows = [profileRow(profile, 1), profileRow(profile, 2), profileRow(profile, 3, [{ kind: 'model', text: '.' }])];
    const built = await buildDatasetVersion({ store: s3.store, rows, info: { ...sampleInfo(), modelProfile: profile.name }, tokenizer });
    expect(built.manifest.counts).toMatchObject({ input: 3, kept: 2, droppedByBuild: { end_of_turn_missing: 1 } });
    expect(built.manifest.modelProfile).toMatchObject({ name: profile.name, endOfTurn: profile.endOfTurn });
    expect(built.keptSampleIds).toEqual([rows[0]!.sampleId, rows[1]!.sampleId]);
    const read = async (path: string) => (await s3.store.get(`${built.prefix}/${path}`))!;

    // Tokens covering the end-of-turn bytes of the whole-text tokenization (with a tokenizer that lacks the
    // profile's token as a unit, the first may also cover the text before it, which is trained too).
    const eotBytes = Buffer.byteLength(profile.endOfTurn);
    const trl = await parquetRows<{ id: string; input_ids: number[]; assistant_masks: number[]; labels: number[] }>(
      await read(built.manifest.exports.trl.files[0]!.path),
      (f) => `select id, input_ids, assistant_masks, labels from ${f} order by id`,
    );
    expect(trl.map((r) => r.id)).toEqual([rows[0]!.sampleId, rows[1]!.sampleId]);
    for (const [i, row] of trl.entries()) {
      const { ids, byteLengths } = tokenizer.encodeWithBytes(rows[i]!.trajectory.segments.map((s) => s.text).join(''));
      let covering = 0;
      for (let bytes = 0; bytes < eotBytes; covering++) bytes += byteLengths[byteLengths.length - 1 - covering]!;
      expect(row.input_ids).toEqual(ids);
      expect(row.assistant_masks.slice(-covering)).toEqual(Array(covering).fill(1));
      expect(row.labels.slice(-covering)).toEqual(ids.slice(-covering));
    }

    const axolotl = jsonlRows<AxolotlRow>(await read(built.manifest.exports.axolotl.files[0]!.path));
    expect(axolotl).toHaveLength(2);
    for (const row of axolotl) {
      const last = row.segments.at(-1)!;
      expect(last.label).toBe(true);
      expect(last.text.endsWith(`\\boxed{${row.id.endsWith('1') ? 2 : 4}}${profile.endOfTurn}`)).toBe(true);
    }

    const lfFile = built.manifest.exports['llama-factory'].files.find((f) => f.rows > 0)!;
    const sharegpt = jsonlRows<SharegptRow>(await read(lfFile.path));
    expect(sharegpt).toHaveLength(2);
    for (const row of sharegpt) {
      const last = row.conversations.at(-1)!;
      expect(last.from).toBe('gpt');
      expect(last.value.endsWith(profile.endOfTurn)).toBe(true);
      expect(last.value.split(profile.endOfTurn)).toHaveLength(2);
    }
  });
});
