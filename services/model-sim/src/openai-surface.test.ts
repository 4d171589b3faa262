/** model-sim driven by the official `openai` npm client: completions, chat, streaming, logprobs, errors. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoQuestions } from './demo-questions.ts';
import { createModelSim, type ModelSim } from './service.ts';

const MODEL = 'qwq-32b-sim';
const question = demoQuestions()[0]!.problem;
const chatPrompt = `<|im_start|>user\n${question}<|im_end|>\n<|im_start|>assistant\n<think>\n`;

describe('model-sim through the openai client', () => {
  let sim: ModelSim;
  let client: OpenAI;

  beforeAll(async () => {
    sim = createModelSim({ model: MODEL });
    const { url } = await sim.start();
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sim', maxRetries: 0 });
  });
  afterAll(async () => sim.close());

  it('lists the served model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
  });

  it('answers a completion with usage and finish_reason', async () => {
    const c = await client.completions.create({ model: MODEL, prompt: chatPrompt, max_tokens: 32, seed: 1, temperature: 0.6 });
    expect(c.object).toBe('text_completion');
    expect(c.choices[0]!.text.length).toBeGreaterThan(0);
    expect(c.choices[0]!.finish_reason).toBe('length');
    expect(c.usage!.completion_tokens).toBe(32);
  });

  it('applies the model profile chat template on /v1/chat/completions', async () => {
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: question }],
      max_tokens: 64,
      seed: 2,
      temperature: 0.6,
    });
    expect(chat.object).toBe('chat.completion');
    expect(chat.choices[0]!.message.role).toBe('assistant');
    expect(chat.choices[0]!.message.content!.length).toBeGreaterThan(0);
    // QwQ-32B's template: ChatML turns with the generation prompt opening the thinking block.
    expect(sim.recentPrompts().at(-1)).toBe(chatPrompt);
    // The same rendered prompt through /v1/completions writes the same text for the same seed.
    const raw = await client.completions.create({ model: MODEL, prompt: chatPrompt, max_tokens: 64, seed: 2, temperature: 0.6 });
    expect(chat.choices[0]!.message.content).toBe(raw.choices[0]!.text);
    expect(chat.usage!.prompt_tokens).toBe(raw.usage!.prompt_tokens);
  });

  it('streams a completion as SSE chunks whose text joins to the whole answer, usage last', async () => {
    const whole = await client.completions.create({ model: MODEL, prompt: chatPrompt, max_tokens: 40, seed: 3, temperature: 0.6 });
    const stream = await client.completions.create({
      model: MODEL,
      prompt: chatPrompt,
      max_tokens: 40,
      seed: 3,
      temperature: 0.6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    const withText = chunks.filter((c) => c.choices.length > 0);
    expect(withText.map((c) => c.choices[0]!.text).join('')).toBe(whole.choices[0]!.text);
    expect(withText.at(-1)!.choices[0]!.finish_reason).toBe('length');
    expect(withText.slice(0, -1).every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 40, prompt_tokens: whole.usage!.prompt_tokens });
  });

  it('streams a chat completion: role first, content deltas, finish_reason, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: question }],
      max_tokens: 24,
      seed: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const content = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(content.length).toBeGreaterThan(0);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(24);
  });

  it('ends a stream without usage when include_usage is not asked', async () => {
    const res = await fetch(`${client.baseURL}/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: chatPrompt, max_tokens: 8, stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.slice(0, -1).every((e) => e.startsWith('data: {') && !('usage' in JSON.parse(e.slice(6))))).toBe(true);
  });

  it('honours logprobs on completions: one per token, with the asked alternatives', async () => {
    const c = await client.completions.create({ model: MODEL, prompt: chatPrompt, max_tokens: 12, seed: 5, logprobs: 3 });
    const lp = c.choices[0]!.logprobs!;
    expect(lp.tokens!.join('')).toBe(c.choices[0]!.text);
    expect(lp.token_logprobs).toHaveLength(lp.tokens!.length);
    expect(lp.token_logprobs!.every((x) => x <= 0)).toBe(true);
    expect(lp.top_logprobs!.every((top) => Object.keys(top).length === 4)).toBe(true);
    expect(lp.text_offset![1]).toBe(lp.tokens![0]!.length);
  });

  it('honours logprobs and top_logprobs on chat, streamed or not', async () => {
    const body = { model: MODEL, messages: [{ role: 'user' as const, content: question }], max_tokens: 10, seed: 6 };
    const chat = await client.chat.completions.create({ ...body, logprobs: true, top_logprobs: 2 });
    const content = chat.choices[0]!.logprobs!.content!;
    expect(content.map((t) => t.token).join('')).toBe(chat.choices[0]!.message.content);
    expect(content.every((t) => t.top_logprobs.length === 2 && t.logprob <= 0)).toBe(true);
    const stream = await client.chat.completions.create({ ...body, logprobs: true, stream: true });
    const streamed = [];
    for await (const chunk of stream) for (const ch of chunk.choices) streamed.push(...(ch.logprobs?.content ?? []));
    expect(streamed.map((t) => t.logprob)).toEqual(content.map((t) => t.logprob));
  });

  it('refuses bad logprobs with a 400 naming the field', async () => {
    const tooMany = client.completions.create({ model: MODEL, prompt: 'x', logprobs: 21 });
    await expect(tooMany).rejects.toMatchObject({ status: 400, param: 'logprobs' });
    const topWithout = client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 });
    await expect(topWithout).rejects.toMatchObject({ status: 400, param: 'top_logprobs' });
    await expect(topWithout).rejects.toThrow(/top_logprobs: only allowed when logprobs is true/);
  });

  it('refuses a chat request without messages, naming the field', async () => {
    const bad = client.chat.completions.create({ model: MODEL, messages: [] });
    await expect(bad).rejects.toMatchObject({ status: 400, param: 'messages' });
  });
});

describe('chat templates follow the model profile', () => {
  it("renders DeepSeek-R1-Distill's template when serving that profile", async () => {
    const sim = createModelSim({ model: MODEL, profile: 'deepseek-r1-distill' });
    const { url } = await sim.start();
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sim', maxRetries: 0 });
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'What is 1+1?' }], max_tokens: 4 });
      const prompt = sim.recentPrompts().at(-1)!;
      expect(prompt).toContain('<｜User｜>What is 1+1?<｜Assistant｜>');
      expect(prompt).not.toContain('<|im_start|>');
    } finally {
      await sim.close();
    }
  });

  it('refuses an unknown profile, naming the known ones', () => {
    expect(() => createModelSim({ profile: 'llama' })).toThrow(/known profiles: qwq-32b/);
  });
});
