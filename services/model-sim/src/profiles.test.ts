import { afterEach, describe, expect, it } from 'vitest';
import { demoQuestions } from './demo-questions.ts';
import { createModelSim, type ModelSim } from './service.ts';

let sim: ModelSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function complete(profile: string, prompt: string): Promise<{ text: string; stop_reason: unknown }> {
  sim = createModelSim({ profile });
  const { url } = await sim.start();
  const body = { prompt, max_tokens: 30_000, seed: 3, temperature: 0.6, skip_special_tokens: false, include_stop_str_in_output: true };
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body) });
  return ((await res.json()) as { choices: Array<{ text: string; stop_reason: unknown }> }).choices[0]!;
}

const problem = demoQuestions(1)[0]!.problem;

describe('model profiles', () => {
  it('QwQ-32B-Preview writes no thinking markers and ends with <|im_end|>', async () => {
    const c = await complete('qwq-32b-preview', `<|im_start|>user\n${problem}<|im_end|>\n<|im_start|>assistant\n`);
    expect(c.text).not.toMatch(/<\/?think>/);
    expect(c.text).toMatch(/\\boxed\{[^}]+\}\$\.<\|im_end\|>$/);
  });

  it('Qwen3 opens its own thinking block', async () => {
    const c = await complete('qwen3-thinking', `<|im_start|>user\n${problem}<|im_end|>\n<|im_start|>assistant\n`);
    expect(c.text.startsWith('<think>\n')).toBe(true);
    expect(c.text).toContain('</think>');
  });

  it('R1-distill reads DeepSeek markers and ends with its own end-of-sentence token', async () => {
    const c = await complete('deepseek-r1-distill', `<｜User｜>${problem}<｜Assistant｜><think>\n`);
    expect(c.text).toContain(problem);
    expect(c.text.endsWith('<｜end▁of▁sentence｜>')).toBe(true);
    expect(c.stop_reason).toBeNull();
  });
});
