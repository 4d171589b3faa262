/**
 * `/metrics` in the inference server's own names and labels: vLLM's v1 engine (`vllm:*` with
 * `model_name` and `engine`, histogram buckets as vllm/v1/metrics/loggers.py defines them), or
 * SGLang's (`sglang:*` with `model_name`). Counters and gauges read the simulator's state at scrape
 * time; the latency histograms are observed per finished request on the simulated clock.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchScheduler, RunTiming } from './batch-scheduler.ts';
import type { ServerFlavour } from './completion-request.ts';
import { BLOCK_CHARS, CHARS_PER_TOKEN, type PrefixCache } from './prefix-cache.ts';

const BLOCK_TOKENS = BLOCK_CHARS / CHARS_PER_TOKEN;

export class SimCounters {
  promptTokens = 0;
  generationTokens = 0;
  prefixQueries = 0;
  prefixHits = 0;
  errors = 0;
  aborted = 0;
  finished = { stop: 0, length: 0 };
}

/** vLLM's request latency buckets (e2e, queue, inference, prefill, decode). */
const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

export interface SimMetricsSources {
  flavour: ServerFlavour;
  model: string;
  counters: SimCounters;
  scheduler: BatchScheduler;
  cache: PrefixCache;
}

type Labels = Record<string, string>;
type Observe = (timing: RunTiming, completionTokens: number) => void;

export class SimMetrics {
  readonly registry = new Registry();
  readonly #observe: Observe;

  constructor(sources: SimMetricsSources) {
    this.#observe = sources.flavour === 'vllm' ? registerVllm(this.registry, sources) : registerSglang(this.registry, sources);
  }

  /** Records one finished request's timing. */
  observe(timing: RunTiming, completionTokens: number): void {
    this.#observe(timing, completionTokens);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** A counter whose value is read from the simulator at scrape time. */
function counterOf(registry: Registry, name: string, help: string, labels: Labels, read: () => number): void {
  new Counter({
    name,
    help,
    labelNames: Object.keys(labels),
    registers: [registry],
    collect() {
      this.reset();
      this.inc(labels, read());
    },
  });
}

function gaugeOf(registry: Registry, name: string, help: string, labels: Labels, read: () => number): void {
  new Gauge({
    name,
    help,
    labelNames: Object.keys(labels),
    registers: [registry],
    collect() {
      this.set(labels, read());
    },
  });
}

function latencyTimings(timing: RunTiming, completionTokens: number) {
  const s = (ms: number) => Math.max(0, ms) / 1000;
  const perToken = completionTokens > 0 ? timing.decodeMs / completionTokens : 0;
  return {
    queue: s(timing.queuedMs),
    prefill: s(timing.prefillMs),
    decode: s(timing.decodeMs),
    // The first token comes out one decode step after prefill.
    ttft: s(timing.queuedMs + timing.prefillMs + perToken),
    e2e: s(timing.queuedMs + timing.prefillMs + timing.decodeMs),
    tpot: s(perToken),
  };
}

function registerVllm(registry: Registry, src: SimMetricsSources): Observe {
  const { counters: c, scheduler } = src;
  const l: Labels = { model_name: src.model, engine: '0' };
  gaugeOf(registry, 'vllm:num_requests_running', 'Number of requests in model execution batches.', l, () => scheduler.running);
  gaugeOf(registry, 'vllm:num_requests_waiting', 'Number of requests waiting to be processed.', l, () => scheduler.waiting);
  gaugeOf(registry, 'vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', l, () => kvUsage(src));
  counterOf(
    registry,
    'vllm:prefix_cache_queries_total',
    'Prefix cache queries, in terms of number of queried tokens.',
    l,
    () => c.prefixQueries,
  );
  counterOf(registry, 'vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', l, () => c.prefixHits);
  counterOf(registry, 'vllm:prompt_tokens_total', 'Number of prefill tokens processed.', l, () => c.promptTokens);
  counterOf(registry, 'vllm:generation_tokens_total', 'Number of generation tokens processed.', l, () => c.generationTokens);
  counterOf(registry, 'vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', l, () => 0);
  new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: ['model_name', 'engine', 'finished_reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of ['stop', 'length'] as const) this.inc({ ...l, finished_reason: reason }, c.finished[reason]);
    },
  });
  const histogram = (name: string, help: string, buckets: number[]) => {
    const h = new Histogram({ name, help, buckets, labelNames: ['model_name', 'engine'], registers: [registry] });
    // Exposed (all zero) before the first request, as vLLM's are.
    h.zero(l);
    return h.labels(l);
  };
  const e2e = histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS);
  const queue = histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const inference = histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const prefill = histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const decode = histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const ttft = histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  const tpot = histogram('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', TPOT_BUCKETS);
  counterOf(registry, 'modelsim_injected_errors_total', 'Error responses injected by the fault configuration.', {}, () => c.errors);
  return (timing, completionTokens) => {
    const t = latencyTimings(timing, completionTokens);
    e2e.observe(t.e2e);
    queue.observe(t.queue);
    inference.observe(t.prefill + t.decode);
    prefill.observe(t.prefill);
    decode.observe(t.decode);
    ttft.observe(t.ttft);
    if (completionTokens > 1) tpot.observe(t.tpot);
  };
}

/** SGLang's names (`--enable-metrics`). */
function registerSglang(registry: Registry, src: SimMetricsSources): Observe {
  const { counters: c, scheduler } = src;
  const l: Labels = { model_name: src.model };
  gaugeOf(registry, 'sglang:num_running_reqs', 'The number of running requests.', l, () => scheduler.running);
  gaugeOf(registry, 'sglang:num_queue_reqs', 'The number of requests in the waiting queue.', l, () => scheduler.waiting);
  gaugeOf(registry, 'sglang:token_usage', 'The token usage.', l, () => kvUsage(src));
  gaugeOf(registry, 'sglang:cache_hit_rate', 'The prefix cache hit rate.', l, () => (c.prefixQueries ? c.prefixHits / c.prefixQueries : 0));
  counterOf(registry, 'sglang:prompt_tokens_total', 'Number of prefill tokens processed.', l, () => c.promptTokens);
  counterOf(registry, 'sglang:generation_tokens_total', 'Number of generation tokens processed.', l, () => c.generationTokens);
  const histogram = (name: string, help: string, buckets: number[]) => {
    const h = new Histogram({ name, help, buckets, labelNames: ['model_name'], registers: [registry] });
    h.zero(l);
    return h.labels(l);
  };
  const e2e = histogram(
    'sglang:e2e_request_latency_seconds',
    'Histogram of End-to-end request latency in seconds',
    REQUEST_LATENCY_BUCKETS,
  );
  const ttft = histogram('sglang:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS);
  return (timing, completionTokens) => {
    const t = latencyTimings(timing, completionTokens);
    e2e.observe(t.e2e);
    ttft.observe(t.ttft);
  };
}

/** KV held by running sequences over the KV capacity (cached blocks nobody runs on count as free, as in vLLM). */
function kvUsage({ scheduler, cache }: SimMetricsSources): number {
  return Math.min(1, scheduler.kvTokensInUse / (cache.capacityBlocks * BLOCK_TOKENS));
}
