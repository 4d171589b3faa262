import { InputError } from '@rft/contracts';
import { parseCampaignSpec, parseQuestionFile } from '@rft/intake';
import { describe, expect, test } from 'vitest';

/**
 * Questions that parse as JSON and fit the schema but would corrupt a campaign: ids that are one
 * question spelt twice, blank reference answers, chat control text (or a look-alike of it) in any
 * field, text Postgres cannot store; and specs whose misspelt keys would be silently dropped.
 */
const enc = (s: string) => new TextEncoder().encode(s);
const math = (fields: Record<string, unknown>) =>
  JSON.stringify({ id: 'q', kind: 'math', problem: 'What is 1 + 1?', answer: '2', ...fields });

function problemsOf(lines: string[]): readonly string[] {
  try {
    parseQuestionFile(enc(lines.join('\n')), 'q.jsonl');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('the file was accepted');
}

describe('question ids that collide are refused, naming both lines', () => {
  test.each([
    ['case', 'Q1', 'q1'],
    ['combining accent vs precomposed (NFC)', 'cafe\u0301', 'caf\u00e9'],
    ['leading space', ' w1', 'w1'],
    ['trailing tab and NBSP', 'w1\t\u00a0', 'w1'],
    ['case after NFC', 'CAFE\u0301', 'caf\u00e9'],
  ])('%s', (_name, first, second) => {
    const problems = problemsOf([math({ id: 'other' }), math({ id: first }), math({ id: second })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^q\.jsonl:3: id: .* on line 2/);
    expect(problems[0]).toContain(JSON.stringify(second));
  });

  test('the stored id is NFC-normalised and trimmed', () => {
    const [question] = parseQuestionFile(enc(math({ id: '  cafe\u0301 ' })), 'q.jsonl');
    expect(question!.id).toBe('caf\u00e9');
  });

  test.each([
    ['blank', '   '],
    ['NBSP only', '\u00a0\u00a0'],
    ['a zero-width space inside', 'q\u200b1'],
    ['a control character inside', 'q\u00071'],
  ])('an id that is %s is refused', (_name, id) => {
    expect(problemsOf([math({ id })])[0]).toMatch(/^q\.jsonl:1: id: /);
  });
});

describe('blank text is refused', () => {
  test.each([
    ['spaces', '   '],
    ['NBSP', '\u00a0'],
    ['ideographic space and tabs', '\u3000\t\n'],
    ['zero-width space', '\u200b'],
  ])('an answer of %s', (_name, answer) => {
    expect(problemsOf([math({ answer })])).toEqual([expect.stringMatching(/^q\.jsonl:1: answer: is blank/)]);
  });

  test('a problem of NBSPs', () => {
    expect(problemsOf([math({ problem: '\u00a0 \u00a0' })])).toEqual([expect.stringMatching(/^q\.jsonl:1: problem: is blank/)]);
  });
});

describe('chat control text is refused in every field, look-alikes included', () => {
  test.each([
    ['answer', { answer: '4<|im_end|>' }, '<|im_end|>'],
    ['answer, closing the thinking block', { answer: '</think>4' }, '</think>'],
    ['source', { source: 'bank <|endoftext|>' }, '<|endoftext|>'],
    ['id', { id: 'q<|im_start|>' }, '<|im_start|>'],
    ['problem, fullwidth brackets and bars', { problem: 'x \uff1c\uff5cim_start\uff5c\uff1esystem' }, '<|im_start|>'],
    ['answer, fullwidth letters', { answer: '<|\uff49\uff4d_end|>' }, '<|im_end|>'],
    ['answer, small less-than sign', { answer: '\ufe64/think>' }, '</think>'],
    ['problem, zero-width space inside the token', { problem: '<|im_\u200bstart|>' }, '<|im_start|>'],
    ['problem, DeepSeek token', { problem: 'a<\uff5cend\u2581of\u2581sentence\uff5c>b' }, '<|end\u2581of\u2581sentence|>'],
    ['problem, Llama 3 token', { problem: '<|start_header_id|>system' }, '<|start_header_id|>'],
  ])('%s', (_name, fields, token) => {
    const [problem] = problemsOf([math(fields)]);
    expect(problem).toMatch(/^q\.jsonl:1: [a-z]+: contains chat-template control text /);
    expect(problem).toContain(JSON.stringify(token));
  });

  test('code questions: test inputs and function names too', () => {
    const code = JSON.stringify({
      id: 'c',
      kind: 'code',
      problem: 'Echo.',
      tests: [{ type: 'stdin', input: '<|im_end|>', output: 'x' }],
    });
    expect(problemsOf([code])[0]).toMatch(/^q\.jsonl:1: tests\.0\.input: contains chat-template control text/);
  });

  test('ordinary text with angle brackets and bars passes', () => {
    const ok = parseQuestionFile(enc(math({ problem: 'If |x| < 3 and y > |x|, is <x, y> a pair?', answer: '<1, 2>' })), 'q.jsonl');
    expect(ok).toHaveLength(1);
  });
});

describe('text Postgres cannot store', () => {
  test.each([
    ['a lone high surrogate in the answer', '{"id":"a","kind":"math","problem":"p","answer":"\\ud800"}', 'answer'],
    ['a lone low surrogate in the problem', '{"id":"a","kind":"math","problem":"x\\udc00y","answer":"1"}', 'problem'],
    ['a NUL in the source', '{"id":"a","kind":"math","problem":"p","answer":"1","source":"a\\u0000b"}', 'source'],
  ])('%s', (_name, line, field) => {
    expect(problemsOf([line])[0]).toMatch(new RegExp(`^q\\.jsonl:1: ${field}: contains a (lone UTF-16 surrogate|NUL)`));
  });
});

describe('unknown keys are refused with a suggestion', () => {
  test('in a question line', () => {
    expect(problemsOf([math({ anwser: '2' })])[0]).toBe('q.jsonl:1: (root): unknown key "anwser"; did you mean "answer"?');
  });

  const spec = (stage: string, top = '') => `name: n\nteam: t\nmodel: { name: m }\nstages:\n  - ${stage}\n${top}`;
  const specProblems = (text: string) => {
    try {
      parseCampaignSpec(text, 'spec.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).problems;
    }
    throw new Error('the spec was accepted');
  };

  test.each([
    [
      'a misspelt sampling key',
      spec('{ name: a, recipe: rft, sampling: { temprature: 0.3 } }'),
      'stages.0.sampling',
      'temprature',
      'temperature',
    ],
    ['a misspelt stage key', spec('{ name: a, recipe: rft, sampels: 4 }'), 'stages.0', 'sampels', 'samples'],
    [
      'a misspelt model key',
      spec('{ name: a, recipe: rft }').replace('{ name: m }', '{ name: m, endpoint: ["http://x"] }'),
      'model',
      'endpoint',
      'endpoints',
    ],
    ['a misspelt top-level key', spec('{ name: a, recipe: rft }', 'shardsize: 10\n'), '(root)', 'shardsize', 'shardSize'],
    ['a misspelt selection key', spec('{ name: a, recipe: rft }', 'selection: { policy: rft, stgae: a }\n'), 'selection', 'stgae', 'stage'],
  ])('%s', (_name, text, path, key, guess) => {
    expect(specProblems(text)).toContain(`spec.yaml: ${path}: unknown key "${key}"; did you mean "${guess}"?`);
  });

  test('a key nothing resembles lists the known keys', () => {
    expect(specProblems(spec('{ name: a, recipe: rft }', 'xyzzy: 1\n'))[0]).toMatch(/unknown key "xyzzy"; known keys: name, team, /);
  });

  test('chat control text in a spec field is refused too', () => {
    expect(specProblems(spec('{ name: a, recipe: rft }', 'description: "<|im_start|>"\n'))).toEqual([
      expect.stringMatching(/^spec\.yaml: description: contains chat-template control text "<\|im_start\|>"/),
    ]);
  });
});
