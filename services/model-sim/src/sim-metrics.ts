/** Prometheus text exposition with vLLM's metric names (v1 engine). */
import type { BatchScheduler } from './batch-scheduler.ts';
import type { PrefixCache } from './prefix-cache.ts';

export class SimCounters {
  promptTokens = 0;
  generationTokens = 0;
  prefixQueries = 0;
  prefixHits = 0;
  errors = 0;
  aborted = 0;
  finished = { stop: 0, length: 0 };
}

export function renderMetrics(model: string, c: SimCounters, scheduler: BatchScheduler, cache: PrefixCache): string {
  const l = `{model_name="${model}"}`;
  const lines = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running${l} ${scheduler.running}`,
    '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting${l} ${scheduler.waiting}`,
    '# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.',
    '# TYPE vllm:kv_cache_usage_perc gauge',
    `vllm:kv_cache_usage_perc${l} ${(cache.usedBlocks / cache.capacityBlocks).toFixed(6)}`,
    '# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.',
    '# TYPE vllm:prefix_cache_queries_total counter',
    `vllm:prefix_cache_queries_total${l} ${c.prefixQueries}`,
    '# HELP vllm:prefix_cache_hits_total Prefix cache hits, in terms of number of cached tokens.',
    '# TYPE vllm:prefix_cache_hits_total counter',
    `vllm:prefix_cache_hits_total${l} ${c.prefixHits}`,
    '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total${l} ${c.promptTokens}`,
    '# HELP vllm:generation_tokens_total Number of generation tokens processed.',
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total${l} ${c.generationTokens}`,
    '# HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.',
    '# TYPE vllm:num_preemptions_total counter',
    `vllm:num_preemptions_total${l} 0`,
    '# HELP vllm:request_success_total Count of successfully processed requests.',
    '# TYPE vllm:request_success_total counter',
    `vllm:request_success_total{model_name="${model}",finished_reason="stop"} ${c.finished.stop}`,
    `vllm:request_success_total{model_name="${model}",finished_reason="length"} ${c.finished.length}`,
    '# HELP modelsim_injected_errors_total Error responses injected by the fault configuration.',
    '# TYPE modelsim_injected_errors_total counter',
    `modelsim_injected_errors_total ${c.errors}`,
  ];
  return lines.join('\n') + '\n';
}
