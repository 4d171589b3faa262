import { InputError } from '@rft/contracts';
import { parseCampaignSpec } from '@rft/intake';
import { describe, expect, test } from 'vitest';

/** The campaign-spec corpus: each bad spec is refused with the file and the field named. */
const base = (stage: string, extra = '') => `
name: bad
team: t
model: { name: m }
stages:
  - ${stage}
${extra}`;

function problemsOf(text: string): readonly string[] {
  try {
    parseCampaignSpec(text, 'spec.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error('the spec was accepted');
}

describe('bad specs name the field', () => {
  test.each([
    ['samples n = 0', '{ name: a, recipe: rft, samples: 0 }', /^spec\.yaml: stages\.0\.samples: .*>=1/],
    ['samples n = 10^6', '{ name: a, recipe: rft, samples: 1000000 }', /^spec\.yaml: stages\.0\.samples: .*<=1024/],
    ['samples fractional', '{ name: a, recipe: rft, samples: 2.5 }', /^spec\.yaml: stages\.0\.samples: /],
    ['samples a string', '{ name: a, recipe: rft, samples: "16" }', /^spec\.yaml: stages\.0\.samples: .*expected number/],
    [
      'negative temperature',
      '{ name: a, recipe: rft, sampling: { temperature: -0.5 } }',
      /^spec\.yaml: stages\.0\.sampling\.temperature: /,
    ],
    ['temperature above 2', '{ name: a, recipe: rft, sampling: { temperature: 7 } }', /^spec\.yaml: stages\.0\.sampling\.temperature: /],
    ['unknown recipe', '{ name: a, recipe: best-of-n }', /^spec\.yaml: stages\.0\.recipe: unknown recipe "best-of-n"; known: /],
  ])('%s', (_name, stage, expected) => {
    const problems = problemsOf(base(stage));
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  test('no stages', () => {
    expect(problemsOf('name: x\nteam: t\nmodel: { name: m }\nstages: []\n').some((p) => p.startsWith('spec.yaml: stages:'))).toBe(true);
  });

  test('a model without a name', () => {
    expect(
      problemsOf(base('{ name: a, recipe: rft }').replace('model: { name: m }', 'model: {}')).some((p) =>
        p.startsWith('spec.yaml: model.name:'),
      ),
    ).toBe(true);
  });
});

describe('malformed YAML is refused without crashing', () => {
  test.each([
    ['a list, not a mapping', '- a\n- b\n', /^spec\.yaml: a campaign spec must be a YAML mapping$/],
    ['a scalar', 'just words\n', /^spec\.yaml: a campaign spec must be a YAML mapping$/],
    ['duplicate keys', 'name: a\nname: b\n', /^spec\.yaml:\d+: invalid YAML/],
    ['unclosed flow', 'stages: [ { name: a\n', /^spec\.yaml:\d+: invalid YAML/],
    ['tab indentation', 'model:\n\tname: m\n', /^spec\.yaml:\d+: invalid YAML/],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text).join('\n')).toMatch(expected);
  });

  test('an alias bomb (billion laughs) is refused, not expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(`*${i === 1 ? 'a' : 'b'.repeat(i - 1)}`)
          .join(',')}]`,
      );
    expect(problemsOf(levels.join('\n')).join('\n')).toMatch(/invalid YAML|alias/i);
  });
});
