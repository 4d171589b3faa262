import { InputError } from '@rft/contracts';
import { createTestEnv, type TestEnv } from '@rft/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCampaignSpec } from './parse-spec.ts';
import { parseQuestionFile } from './parse-questions.ts';
import { registerCampaign } from './register-campaign.ts';

const SPEC = `
name: unit
team: platform
model: { name: sim }
stages:
  - { name: rft, recipe: rft, samples: 4 }
shardSize: 2
`;

const enc = (s: string) => new TextEncoder().encode(s);
const line = (id: string) => JSON.stringify({ id, kind: 'math', problem: `What is ${id}?`, answer: '1' });

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('campaign spec', () => {
  test('applies defaults', () => {
    const spec = parseCampaignSpec(SPEC, 'spec.yaml');
    expect(spec.stages[0]?.samples).toBe(4);
    expect(spec.shardSize).toBe(2);
  });

  test('names the file and the field of each problem', () => {
    const err = inputError(() =>
      parseCampaignSpec('name: x\nmodel: { name: m }\nstages:\n  - { name: a, recipe: nope, sampling: { temperature: -1 } }\n', 'bad.yaml'),
    );
    expect(err.problems).toContain('bad.yaml: stages.0.recipe: unknown recipe "nope"; known: greedy, hint-infer, rft');
    expect(err.problems.some((p) => p.startsWith('bad.yaml: stages.0.sampling.temperature:'))).toBe(true);
  });

  test('refuses invalid YAML with its line', () => {
    expect(inputError(() => parseCampaignSpec('name: [unclosed\n', 's.yaml')).message).toMatch(/^s\.yaml:\d+: invalid YAML/);
  });

  test('refuses a selection naming an unknown stage', () => {
    const err = inputError(() => parseCampaignSpec(SPEC + 'selection: { policy: rft, stage: other }\n', 's.yaml'));
    expect(err.problems).toContain('s.yaml: selection.stage: no stage named "other"');
  });
});

describe('question file', () => {
  test('reports every bad line with its number and field', () => {
    const text = [line('a'), '{"id": "b", "kind": "math", "problem": "p"}', 'not json', line('a'), ''].join('\n');
    const bytes = new Uint8Array([...enc(text), 0xff, 0xfe, 0x0a]);
    const err = inputError(() => parseQuestionFile(bytes, 'q.jsonl'));
    expect(err.problems).toEqual([
      'q.jsonl:2: answer: Invalid input: expected string, received undefined',
      expect.stringMatching(/^q\.jsonl:3: invalid JSON/),
      'q.jsonl:4: id: duplicate question id "a" (first on line 1)',
      'q.jsonl:5: line is not valid UTF-8',
    ]);
  });

  test('refuses an oversized line without parsing it', () => {
    const err = inputError(() => parseQuestionFile(enc(line('a') + '\n' + 'x'.repeat(200)), 'q.jsonl', { maxLineBytes: 100 }));
    expect(err.problems).toEqual(['q.jsonl:2: line is 200 bytes, over the 100-byte limit']);
  });

  test('refuses an empty file', () => {
    expect(inputError(() => parseQuestionFile(enc('\n\n'), 'q.jsonl')).problems).toEqual(['q.jsonl: no questions']);
  });
});

describe('registration', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env.cleanup());

  test('registers shards, questions and one work item per question and stage', async () => {
    const spec = parseCampaignSpec(SPEC, 'spec.yaml');
    const questions = parseQuestionFile(enc([line('a'), line('b'), line('c')].join('\n')), 'q.jsonl');
    const id = await registerCampaign(env.db, spec, questions, 'tester');
    const shards = await env.db.selectFrom('shards').selectAll().where('campaign_id', '=', id).orderBy('shard_index').execute();
    expect(shards.map((s) => s.question_count)).toEqual([2, 1]);
    const items = await env.db.selectFrom('question_stages').selectAll().where('campaign_id', '=', id).execute();
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.samples_expected === 4 && i.status === 'pending')).toBe(true);
    const audit = await env.db.selectFrom('audit_events').selectAll().where('target_id', '=', id).execute();
    expect(audit.map((a) => a.action)).toEqual(['campaign.create']);
  });

  test('a failure mid-registration leaves nothing behind', async () => {
    const spec = parseCampaignSpec(SPEC, 'spec.yaml');
    const before = await env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    // A NUL byte (refused by parseQuestionFile, passed here directly) makes Postgres refuse the
    // jsonb insert after the campaign row.
    const questions = [
      ...parseQuestionFile(enc(line('x')), 'q.jsonl'),
      { id: 'y', kind: 'math' as const, problem: 'a\u0000b', answer: '1' },
    ];
    await expect(registerCampaign(env.db, spec, questions, 'tester')).rejects.toThrow();
    const after = await env.db
      .selectFrom('campaigns')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });
});
