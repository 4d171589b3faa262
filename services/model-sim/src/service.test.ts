import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoQuestions } from './demo-questions.ts';
import { createModelSim, type ModelSim } from './service.ts';

const SYSTEM =
  '<|im_start|>system\nYou can run Python: write code in a ```python block and its output will be returned in an ```output block.<|im_end|>\n';
const promptFor = (problem: string, tools = true): string =>
  `${tools ? SYSTEM : ''}<|im_start|>user\n${problem}\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n<think>\n`;

interface Completion {
  choices: Array<{ text: string; finish_reason: string; stop_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

describe('model-sim over HTTP', () => {
  let sim: ModelSim;
  let url: string;
  const post = async (
    body: Record<string, unknown>,
  ): Promise<{ status: number; json: Completion & { error?: { message: string; param: string | null } } }> => {
    const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Completion & { error?: { message: string; param: string | null } } };
  };
  const questions = demoQuestions();

  beforeAll(async () => {
    sim = createModelSim();
    url = (await sim.start()).url;
  });
  afterAll(async () => sim.close());

  it('defaults max_tokens to 16 like vLLM and reports length', async () => {
    const { json } = await post({ prompt: promptFor(questions[0]!.problem) });
    expect(json.choices[0]!.finish_reason).toBe('length');
    expect(json.usage.completion_tokens).toBe(16);
  });

  it('stops on a stop string, names it, and includes it only when asked', async () => {
    const base = { prompt: promptFor(questions[1]!.problem, false), max_tokens: 8000, seed: 3, temperature: 0.6, stop: ['</think>'] };
    const withStop = (await post({ ...base, include_stop_str_in_output: true })).json.choices[0]!;
    const without = (await post(base)).json.choices[0]!;
    expect(withStop.finish_reason).toBe('stop');
    expect(withStop.stop_reason).toBe('</think>');
    expect(withStop.text.endsWith('</think>')).toBe(true);
    expect(without.text).toBe(withStop.text.slice(0, -'</think>'.length));
  });

  it('ends on EOS with stop_reason null and a boxed answer, and is deterministic per seed', async () => {
    const body = { prompt: promptFor(questions[2]!.problem, false), max_tokens: 8000, seed: 11, temperature: 0.6 };
    const a = (await post(body)).json;
    const b = (await post(body)).json;
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
    const choice = a.choices[0]!;
    if (choice.finish_reason === 'stop') {
      expect(choice.stop_reason).toBeNull();
      expect(choice.text).toMatch(/\\boxed\{[^}]+\}/);
    }
  });

  it('is right sometimes and wrong sometimes without tools', async () => {
    let right = 0;
    let wrong = 0;
    for (const q of questions.slice(0, 40)) {
      const { json } = await post({ prompt: promptFor(q.problem, false), max_tokens: 8000, seed: 7, temperature: 0.6 });
      const boxed = /\\boxed\{([^}]+)\}/.exec(json.choices[0]!.text)?.[1];
      if (boxed === q.answer) right++;
      else wrong++;
    }
    expect(right).toBeGreaterThan(5);
    expect(wrong).toBeGreaterThan(5);
  });

  it('continues the same text when a continuation request resends the prefix', async () => {
    const body = { max_tokens: 8000, seed: 21, temperature: 0.6 };
    const prompt = promptFor(questions[5]!.problem, false);
    const whole = (await post({ ...body, prompt })).json.choices[0]!.text;
    const first = (await post({ ...body, prompt, max_tokens: 40 })).json.choices[0]!.text;
    const rest = (await post({ ...body, prompt: prompt + first })).json.choices[0]!.text;
    expect(first + rest).toBe(whole);
  });

  it('writes python after an open fence and uses the output after an output block', async () => {
    const q = questions[10]!;
    const prompt = promptFor(q.problem) + 'Let me compute.\n```python\n';
    const code = (await post({ prompt, max_tokens: 2000, seed: 1, temperature: 0.6, stop: ['```\n'], include_stop_str_in_output: true }))
      .json.choices[0]!;
    expect(code.stop_reason).toBe('```\n');
    expect(code.text).toMatch(/print\(/);
    const after = (
      await post({ prompt: `${prompt}${code.text}\`\`\`output\n${q.answer}\n\`\`\`\n`, max_tokens: 2000, seed: 1, temperature: 0.6 })
    ).json.choices[0]!;
    expect(after.text).toContain(`\\boxed{${q.answer}}`);
  });

  it('reports cached prompt tokens for a repeated prefix', async () => {
    const prompt = promptFor(questions[20]!.problem);
    await post({ prompt, max_tokens: 10 });
    const again = (await post({ prompt, max_tokens: 10 })).json;
    expect(again.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
    expect(again.usage.prompt_tokens_details.cached_tokens).toBeLessThanOrEqual(again.usage.prompt_tokens);
  });

  it('rejects bad fields with a 400 naming the field', async () => {
    const { status, json } = await post({ prompt: 'x', max_tokens: -1 });
    expect(status).toBe(400);
    expect(json.error?.message).toMatch(/^max_tokens:/);
    expect(json.error?.param).toBe('max_tokens');
    const tooLong = await post({ prompt: 'x', max_tokens: 1_000_000 });
    expect(tooLong.json.error?.message).toMatch(/maximum context length/);
  });

  it('serves models and vLLM-named metrics', async () => {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data[0]!.id).toBe('qwq-32b-sim');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_hits_total',
      'vllm:generation_tokens_total',
      'vllm:prompt_tokens_total',
      'vllm:kv_cache_usage_perc',
    ]) {
      expect(metrics).toContain(`${name}{`);
    }
  });

  it('injects faults: errors, malformed JSON and disconnects', async () => {
    sim.injectFaults([{ kind: 'error', status: 503 }, { kind: 'malformed_json' }, { kind: 'disconnect' }]);
    const body = JSON.stringify({ prompt: 'x', max_tokens: 4 });
    expect((await fetch(`${url}/v1/completions`, { method: 'POST', body })).status).toBe(503);
    const malformed = await fetch(`${url}/v1/completions`, { method: 'POST', body });
    await expect(malformed.json()).rejects.toThrow();
    await expect(fetch(`${url}/v1/completions`, { method: 'POST', body })).rejects.toThrow();
    expect((await fetch(`${url}/v1/completions`, { method: 'POST', body })).status).toBe(200);
  });
});

describe('model-sim as SGLang', () => {
  it('keeps stops with no_stop_trim, names them matched_stop and exposes sglang metrics', async () => {
    const sim = createModelSim({ flavour: 'sglang' });
    const { url } = await sim.start();
    try {
      const body = {
        prompt: promptFor(demoQuestions()[1]!.problem, false),
        max_tokens: 8000,
        seed: 3,
        temperature: 0.6,
        stop: ['</think>'],
      };
      const post = async (extra: Record<string, unknown>) =>
        (await (await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ ...body, ...extra }) })).json()) as {
          choices: Array<{ text: string; matched_stop: string | number | null; stop_reason?: unknown }>;
        };
      const kept = (await post({ no_stop_trim: true })).choices[0]!;
      expect(kept.matched_stop).toBe('</think>');
      expect(kept.stop_reason).toBeUndefined();
      expect(kept.text.endsWith('</think>')).toBe(true);
      const ignored = (await post({ include_stop_str_in_output: true })).choices[0]!;
      expect(ignored.text.endsWith('</think>')).toBe(false);
      const eos = (await post({ stop: [] })).choices[0]!;
      expect(eos.matched_stop).toBe(151645);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('sglang:num_queue_reqs{');
      expect(metrics).toContain('sglang:num_running_reqs{');
    } finally {
      await sim.close();
    }
  });
});

describe('model-sim batching', () => {
  it('queues requests beyond maxNumSeqs and reports them as waiting', async () => {
    const sim = createModelSim({ maxNumSeqs: 2, decodeTokensPerSecond: 200 });
    const { url } = await sim.start();
    try {
      const body = JSON.stringify({ prompt: 'hello', max_tokens: 100 });
      const pending = Array.from({ length: 5 }, () => fetch(`${url}/v1/completions`, { method: 'POST', body }).then((r) => r.json()));
      let seen = { running: 0, waiting: 0 };
      while (seen.running + seen.waiting < 5) {
        await new Promise((r) => setTimeout(r, 5));
        const s = sim.stats();
        seen = { running: s.running, waiting: s.waiting };
        if (s.requests === 5) break;
      }
      const s = sim.stats();
      expect(s.running).toBeLessThanOrEqual(2);
      expect(s.running + s.waiting).toBe(5);
      const kv = async () => Number(/vllm:kv_cache_usage_perc\{[^}]*\} ([0-9.]+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
      expect(await kv()).toBeGreaterThan(0);
      await Promise.all(pending);
      expect(await kv()).toBe(0);
      expect(sim.stats().generatedTokens).toBe(500);
    } finally {
      await sim.close();
    }
  });
});
