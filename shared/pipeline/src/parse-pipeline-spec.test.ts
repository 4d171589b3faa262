import { readFileSync } from 'node:fs';
import { InputError } from '@rft/contracts';
import { describe, expect, it } from 'vitest';
import { parsePipelineSpec, validatePipelineSpec } from './parse-pipeline-spec.ts';
import { stepDependencies } from './pipeline-graph.ts';

const exampleFile = new URL('../../../examples/start-pipeline.yaml', import.meta.url);

/** A small valid pipeline: greedy -> hint (admitted on greedy wrong) -> select -> train -> serve -> rft. */
function minimal(): { models: object; steps: Record<string, Record<string, unknown>>; [key: string]: unknown } {
  return {
    name: 'p',
    models: { base: { name: 'base-model' } },
    steps: {
      greedy: { kind: 'campaign', model: 'base', questions: 'q.jsonl', recipe: 'greedy' },
      hint: {
        kind: 'campaign',
        model: 'base',
        questions: 'q.jsonl',
        recipe: 'hint-infer',
        admit: { step: 'greedy', questions: 'graded-wrong' },
      },
      seed: { kind: 'select', policy: 'hint-rft', greedy: 'greedy', hint: 'hint' },
      train: { kind: 'train', dataset: 'seed', base: 'base', profile: 'paper.yaml', produces: 'start-0' },
      serve: { kind: 'serve', checkpoint: 'train', backend: { type: 'external' } },
      rft: { kind: 'campaign', model: 'serve', questions: 'q.jsonl', recipe: 'rft', samples: 16 },
    },
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    validatePipelineSpec(raw, 'spec.yaml');
  } catch (error) {
    if (error instanceof InputError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the spec to be refused');
}

describe('pipeline spec', () => {
  it('validates the START example and orders its steps after their inputs', () => {
    const { spec, order } = parsePipelineSpec(readFileSync(exampleFile, 'utf8'), 'examples/start-pipeline.yaml');
    expect(order).toEqual([
      'greedy',
      'hint',
      'seed-select',
      'train-start-0',
      'serve-start-0',
      'rft',
      'start-select',
      'train-start',
      'serve-start',
      'eval',
    ]);
    expect(stepDependencies(spec, 'rft')).toEqual(['serve-start-0']);
    expect(stepDependencies(spec, 'hint')).toEqual(['greedy']);
    expect(stepDependencies(spec, 'eval')).toEqual(['serve-start-0', 'serve-start']);
    expect(spec.decontamination?.ngram).toBe(13);
    const seed = spec.steps['seed-select'];
    expect(seed?.kind === 'select' && seed.quotas).toEqual({ math: 10000, code: 2000 });
  });

  it('refuses a campaign step with no model, naming the path', () => {
    const raw = minimal();
    delete raw.steps.rft?.model;
    expect(problemsOf(raw)).toEqual(['spec.yaml: steps.rft.model: required: a model: a models: entry or a serve step']);
  });

  it('refuses unknown keys with the path and a suggestion', () => {
    const raw = minimal();
    raw.steps.rft = { ...raw.steps.rft, sampels: 16 };
    expect(problemsOf(raw)).toEqual(['spec.yaml: steps.rft: unknown key "sampels"; did you mean "samples"?']);
    expect(problemsOf({ ...minimal(), stepz: {} })[0]).toMatch(/^spec\.yaml: \(root\): unknown key "stepz"; did you mean "steps"\?/);
  });

  it('refuses references to missing steps and to steps of the wrong kind', () => {
    const raw = minimal();
    raw.steps.train = { ...raw.steps.train, dataset: 'greedy' };
    raw.steps.rft = { ...raw.steps.rft, model: 'serv' };
    raw.steps.seed = { ...raw.steps.seed, hint: 'hints' };
    expect(problemsOf(raw)).toEqual([
      'spec.yaml: steps.seed.hint: no step named "hints"',
      'spec.yaml: steps.train.dataset: "greedy" is a campaign step; expected a select step',
      'spec.yaml: steps.rft.model: no model or serve step named "serv"; known: base, serve',
    ]);
  });

  it('refuses a model reference naming a step that serves nothing', () => {
    const raw = minimal();
    raw.steps.rft = { ...raw.steps.rft, model: 'train' };
    expect(problemsOf(raw)).toEqual(['spec.yaml: steps.rft.model: "train" is a train step; a model is a models: entry or a serve step']);
  });

  it('refuses cycles, naming the steps around them', () => {
    const raw = minimal();
    // greedy now runs on the model served from a checkpoint trained on its own selections.
    raw.steps.greedy = { ...raw.steps.greedy, model: 'serve' };
    expect(problemsOf(raw)).toEqual([
      'spec.yaml: steps.greedy: cycle greedy -> serve -> train -> seed -> greedy',
      'spec.yaml: steps.greedy: cycle greedy -> serve -> train -> seed -> hint -> greedy',
    ]);
  });

  it('refuses unknown step kinds, unknown benchmarks and self references', () => {
    const raw = minimal();
    raw.steps.rft = { kind: 'sample', model: 'base' };
    expect(problemsOf(raw)).toEqual(['spec.yaml: steps.rft.kind: kind must be one of campaign, select, train, serve, eval']);
    const evalRaw = minimal();
    evalRaw.steps.eval = { kind: 'eval', benchmarks: ['aime24'], models: ['base'], recipe: { mode: 'greedy' } };
    evalRaw.steps.hint = { ...evalRaw.steps.hint, admit: { step: 'hint', questions: 'graded-wrong' } };
    expect(problemsOf(evalRaw)).toEqual([
      'spec.yaml: steps.hint.admit.step: a step cannot refer to itself',
      'spec.yaml: steps.eval.benchmarks.0: no benchmark named "aime24"',
    ]);
  });

  it('refuses two train steps producing one model name, and repeated eval entries', () => {
    const raw = minimal();
    raw.steps.again = { ...raw.steps.train };
    raw.steps.eval = { kind: 'eval', benchmarks: ['b', 'b'], models: ['base', 'serve', 'base'], recipe: { mode: 'greedy' } };
    raw.benchmarks = { b: { file: 'b.jsonl' } };
    expect(problemsOf(raw)).toEqual([
      'spec.yaml: steps.eval.benchmarks.1: "b" is listed twice',
      'spec.yaml: steps.eval.models.2: "base" is listed twice',
      'spec.yaml: steps.again.produces: "start-0" is also produced by steps.train',
    ]);
  });

  it('reports invalid YAML with the file and line', () => {
    expect(() => parsePipelineSpec('name: p\nsteps: [\n', 'p.yaml')).toThrow(/^p\.yaml:\d+: invalid YAML/);
    expect(() => parsePipelineSpec('- a\n', 'p.yaml')).toThrow('p.yaml: a pipeline spec must be a mapping');
  });
});
