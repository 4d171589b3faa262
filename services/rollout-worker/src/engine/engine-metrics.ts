/** Prometheus metrics of the rollout engine, registered on the Registry the service passes in. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface EngineMetrics {
  registry: Registry;
  generatedTokens: Counter<'replica'>;
  promptTokens: Counter<'replica'>;
  cachedTokens: Counter<'replica'>;
  turns: Counter<'finish_reason'>;
  toolCalls: Counter<'status'>;
  hints: Counter<'purpose' | 'placement'>;
  trajectories: Counter<'end'>;
  tokensSaved: Counter;
  errors: Counter<'kind'>;
  replicaInFlight: Gauge<'replica'>;
  replicaUp: Gauge<'replica'>;
  requestSeconds: Histogram<'replica'>;
  toolSeconds: Histogram;
  trajectoriesInFlight: Gauge;
  capacityLimit: Gauge;
}

export function createEngineMetrics(registry: Registry = new Registry()): EngineMetrics {
  const r = [registry];
  return {
    registry,
    generatedTokens: new Counter({ name: 'rollout_generated_tokens_total', help: 'Completion tokens generated, by replica.', labelNames: ['replica'], registers: r }),
    promptTokens: new Counter({ name: 'rollout_prompt_tokens_total', help: 'Prompt tokens sent, by replica.', labelNames: ['replica'], registers: r }),
    cachedTokens: new Counter({ name: 'rollout_cached_prompt_tokens_total', help: 'Prompt tokens served from the replica prefix cache.', labelNames: ['replica'], registers: r }),
    turns: new Counter({ name: 'rollout_turns_total', help: 'Generate calls (turns), by finish reason.', labelNames: ['finish_reason'], registers: r }),
    toolCalls: new Counter({ name: 'rollout_tool_calls_total', help: 'Python executions, by status.', labelNames: ['status'], registers: r }),
    hints: new Counter({ name: 'rollout_hints_total', help: 'Hints inserted, by purpose and placement.', labelNames: ['purpose', 'placement'], registers: r }),
    trajectories: new Counter({ name: 'rollout_trajectories_total', help: 'Finished trajectories, by end.', labelNames: ['end'], registers: r }),
    tokensSaved: new Counter({ name: 'rollout_tokens_saved_total', help: 'Token budget not spent thanks to early aborts of looping samples.', registers: r }),
    errors: new Counter({ name: 'rollout_errors_total', help: 'Failures, by kind (retried or not).', labelNames: ['kind'], registers: r }),
    replicaInFlight: new Gauge({ name: 'rollout_replica_in_flight', help: 'Requests in flight per replica.', labelNames: ['replica'], registers: r }),
    replicaUp: new Gauge({ name: 'rollout_replica_up', help: '1 when the replica takes traffic, 0 while it is out and probed.', labelNames: ['replica'], registers: r }),
    requestSeconds: new Histogram({ name: 'rollout_request_seconds', help: 'Latency of generate calls.', labelNames: ['replica'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900], registers: r }),
    toolSeconds: new Histogram({ name: 'rollout_tool_seconds', help: 'Latency of python executions.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: r }),
    trajectoriesInFlight: new Gauge({ name: 'rollout_trajectories_in_flight', help: 'Samples being generated.', registers: r }),
    capacityLimit: new Gauge({ name: 'rollout_capacity_limit', help: 'Current limit of samples in flight (AIMD).', registers: r }),
  };
}
