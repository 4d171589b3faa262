import { afterEach, describe, expect, it } from 'vitest';
import { createModelSim, type ModelSim } from './service.ts';

/** Sample lines of a Prometheus text exposition: name, labels, value. */
function samples(text: string) {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

describe('model-sim metrics', () => {
  let sim: ModelSim | undefined;
  afterEach(async () => sim?.close());

  it("exposes vLLM's latency histograms with model_name and engine labels, on the simulated clock", async () => {
    // One slot at 200 tokens/s: a request of up to 400 tokens holds it for up to 2 s; one sent while
    // it runs waits for it (seen as waiting), then decodes its own tokens.
    sim = createModelSim({ model: 'm-sim', maxNumSeqs: 1, decodeTokensPerSecond: 200 });
    const { url } = await sim.start();
    const send = (maxTokens: number) =>
      fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'What is 2+2?', max_tokens: maxTokens }) }).then(
        (r) => r.json(),
      );
    const first = send(400);
    await expect.poll(() => sim!.stats().running).toBe(1);
    const second = send(100);
    await expect.poll(() => sim!.stats().waiting).toBe(1);
    await Promise.all([first, second]);
    const text = await (await fetch(`${url}/metrics`)).text();
    const all = samples(text);
    const one = (name: string) => {
      const found = all.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      expect(found[0]!.labels, name).toMatchObject({ model_name: 'm-sim', engine: '0' });
      return found[0]!.value;
    };
    expect(one('vllm:e2e_request_latency_seconds_count')).toBe(2);
    const queued = one('vllm:request_queue_time_seconds_sum');
    expect(queued).toBeGreaterThan(0);
    const generated = one('vllm:generation_tokens_total');
    expect(one('vllm:request_decode_time_seconds_sum')).toBeCloseTo(generated / 200, 6);
    expect(one('vllm:e2e_request_latency_seconds_sum')).toBeCloseTo(queued + generated / 200, 6);
    expect(one('vllm:time_to_first_token_seconds_count')).toBe(2);
    // Prefill is instant here: the first token comes one decode step (5 ms) after admission.
    expect(one('vllm:time_to_first_token_seconds_sum')).toBeCloseTo(queued + 2 * 0.005, 6);
    expect(one('vllm:prompt_tokens_total')).toBeGreaterThan(0);
    expect(one('vllm:num_requests_running')).toBe(0);
    expect(one('vllm:num_requests_waiting')).toBe(0);
    const buckets = all.filter((s) => s.name === 'vllm:e2e_request_latency_seconds_bucket').map((s) => s.labels.le);
    expect(buckets.slice(0, 3)).toEqual(['0.3', '0.5', '0.8']);
    expect(buckets.at(-1)).toBe('+Inf');
    const success = all.filter((s) => s.name === 'vllm:request_success_total');
    expect(success.reduce((n, s) => n + s.value, 0)).toBe(2);
    expect(success.map((s) => s.labels.finished_reason).sort()).toEqual(['length', 'stop']);
    expect(text).toContain('# TYPE vllm:generation_tokens_total counter');
    expect(text).toContain('# TYPE vllm:e2e_request_latency_seconds histogram');
  });

  it('shows requests running and waiting while they are', async () => {
    sim = createModelSim({ maxNumSeqs: 1, decodeTokensPerSecond: 50 });
    const { url } = await sim.start();
    const body = JSON.stringify({ prompt: 'x', max_tokens: 50 });
    const pending = [1, 2, 3].map(() => fetch(`${url}/v1/completions`, { method: 'POST', body }).then((r) => r.text()));
    await expect.poll(() => sim!.stats().waiting).toBe(2);
    const during = samples(await (await fetch(`${url}/metrics`)).text());
    expect(during.find((s) => s.name === 'vllm:num_requests_running')?.value).toBe(1);
    expect(during.find((s) => s.name === 'vllm:num_requests_waiting')?.value).toBe(2);
    await sim.close();
    sim = undefined;
    await Promise.allSettled(pending);
  });
});
