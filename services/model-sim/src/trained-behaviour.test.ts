import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALISTIC_MIX } from './behaviour-mix.ts';
import { readPrompt } from './chatml-prompt.ts';
import { modelSimConfig } from './config.ts';
import { demoQuestions } from './demo-questions.ts';
import { writeContinuation } from './reasoning-writer.ts';
import { createModelSim, type ModelSim } from './service.ts';
import { trainedUsesTool, type TrainedBehaviour } from './trained-behaviour.ts';

const TOOLS = '<|im_start|>system\nWrite code in a ```python block; its output comes back in an ```output block.<|im_end|>\n';
const prompt = (problem: string) => `${TOOLS}<|im_start|>user\n${problem}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
const questions = demoQuestions(8);
const trained = (toolUseRate: number): TrainedBehaviour => ({
  format: 'rft-sim-trained/1',
  model: 'start-0',
  datasetId: 'ds-1',
  examples: 40,
  toolUseRate,
});

/** Whether the sample's first phase opens a python block (the model reached for the tool). */
function opensTool(problem: string, seed: number, toolUseRate: number | undefined): boolean {
  const view = readPrompt(prompt(problem));
  const out = writeContinuation({
    ...view,
    thinking: 'prompt',
    seed,
    limitChars: 40_000,
    maxChars: 40_000,
    behaviours: REALISTIC_MIX,
    ...(toolUseRate === undefined ? {} : { toolUseRate }),
  });
  return /```(python3?|py| python|Python)\n/.test(out.text);
}

function writeFile(body: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-trained-')), 'trained-behaviour.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('trained behaviour', () => {
  it('reaches for the tool at the learned rate, the same way for the same (seed, question)', () => {
    const samples = questions.flatMap((q) => [1, 2, 3].map((seed) => ({ problem: q.problem, seed })));
    const share = (rate: number) => samples.filter((s) => trainedUsesTool(rate, s.seed, s.problem)).length / samples.length;
    expect(share(0)).toBe(0);
    expect(share(1)).toBe(1);
    expect(share(0.5)).toBeGreaterThan(0.35);
    expect(share(0.5)).toBeLessThan(0.65);
    // A higher rate only adds samples: every sample that uses the tool at 0.3 uses it at 0.8.
    for (const s of samples) if (trainedUsesTool(0.3, s.seed, s.problem)) expect(trainedUsesTool(0.8, s.seed, s.problem)).toBe(true);
    expect(samples.map((s) => trainedUsesTool(0.5, s.seed, s.problem))).toEqual(
      samples.map((s) => trainedUsesTool(0.5, s.seed, s.problem)),
    );
  });

  it('writes python in a sample exactly when the draw says so (healthy samples), never at rate 0', () => {
    let opened = 0;
    for (const q of questions) {
      expect(opensTool(q.problem, 7, 0)).toBe(false);
      if (opensTool(q.problem, 7, 1)) opened++;
    }
    // Loops and endless enumerations (10% of samples) never get to the tool.
    expect(opened / questions.length).toBeGreaterThan(0.8);
  });

  it('leaves the base model alone when no trained behaviour is given', () => {
    const base = questions.map((q) => opensTool(q.problem, 7, undefined));
    expect(base.some(Boolean)).toBe(true);
    expect(base.every(Boolean)).toBe(false);
  });

  it('is read from SIM_TRAINED_BEHAVIOUR and served under SIM_SERVED_MODEL', () => {
    const file = writeFile(trained(0.75));
    const config = modelSimConfig({ SIM_TRAINED_BEHAVIOUR: file, SIM_SERVED_MODEL: 'start-0' });
    expect(config.model).toBe('start-0');
    expect(config.trained?.toolUseRate).toBe(0.75);
    expect(modelSimConfig({ SIM_TRAINED_BEHAVIOUR: file }).model).toBe('start-0');
    expect(modelSimConfig({ SIM_SERVED_MODEL: 'qwq-base', MODEL: 'other' }).model).toBe('qwq-base');
    expect(modelSimConfig({}).trained).toBeUndefined();
  });

  it('refuses a malformed file, naming it, and a file for another model', () => {
    const bad = writeFile({ ...trained(1.5), format: 'rft-sim-trained/1' });
    expect(() => modelSimConfig({ SIM_TRAINED_BEHAVIOUR: bad })).toThrow(/SIM_TRAINED_BEHAVIOUR.*trained-behaviour\.json.*toolUseRate/);
    expect(() => modelSimConfig({ SIM_TRAINED_BEHAVIOUR: '/nonexistent/trained-behaviour.json' })).toThrow(/cannot read/);
    expect(() => createModelSim({ model: 'start', trained: trained(0.5) })).toThrow(/trained behaviour is for model "start-0"/);
  });
});

describe('a trained replica over HTTP', () => {
  let sim: ModelSim;
  let url: string;
  beforeAll(async () => {
    sim = createModelSim({ trained: trained(1) });
    url = (await sim.start()).url;
  });
  afterAll(async () => sim.close());

  it('lists the served name and answers requests that use it', async () => {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['start-0']);
    const body = { model: 'start-0', prompt: prompt(questions[0]!.problem), max_tokens: 4000, seed: 3, temperature: 0.6 };
    const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const wrong = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ ...body, model: 'qwq-32b-sim' }) });
    expect(wrong.status).toBe(400);
  });
});
