/**
 * How many samples the worker should keep in flight. The unit is a trajectory, not a request: a
 * trajectory waiting on the sandbox holds no GPU slot, so keeping the servers busy takes more
 * trajectories than slots. With metrics polling on, the limit follows an AIMD rule on the
 * replicas' own queues: grow while they have (almost) nothing waiting and the limit is what holds
 * us back; shrink multiplicatively when a queue builds up.
 */
import type { Agent } from 'undici';

export interface CapacityOptions {
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** 0 disables polling (the limit stays at initialLimit). */
  metricsPollMs: number;
  /** Waiting requests per replica the controller aims to keep (a small queue keeps every slot busy). */
  targetWaitingPerReplica: number;
  additiveStep: number;
  decreaseFactor: number;
}

export interface Capacity {
  /** Samples being generated now. */
  inFlight: number;
  /** Samples the engine is ready to run at once; take more work while inFlight < limit. */
  limit: number;
}

export interface ReplicaLoad {
  running: number;
  waiting: number;
}

/** Reads queue gauges from vLLM (`vllm:num_requests_*`) or SGLang (`sglang:num_*_reqs`) metrics text. */
export function parseReplicaLoad(metricsText: string): ReplicaLoad | null {
  let running: number | null = null;
  let waiting: number | null = null;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^(vllm:num_requests_running|vllm:num_requests_waiting|sglang:num_running_reqs|sglang:num_queue_reqs)(\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === 'vllm:num_requests_running' || m[1] === 'sglang:num_running_reqs') running = (running ?? 0) + value;
    else waiting = (waiting ?? 0) + value;
  }
  return running === null || waiting === null ? null : { running, waiting };
}

export class CapacityController {
  readonly options: CapacityOptions;
  inFlight = 0;
  #limit: number;
  #timer: NodeJS.Timeout | null = null;
  #lastDecrease = 0;

  constructor(options: CapacityOptions) {
    if (options.minLimit < 1 || options.maxLimit < options.minLimit) throw new Error(`capacity: need 1 <= minLimit <= maxLimit, got ${options.minLimit}..${options.maxLimit}`);
    this.options = options;
    this.#limit = clamp(options.initialLimit, options.minLimit, options.maxLimit);
  }

  get limit(): number {
    return this.#limit;
  }

  snapshot(): Capacity {
    return { inFlight: this.inFlight, limit: this.#limit };
  }

  /** One AIMD step from the replicas' current queues. */
  adjust(loads: ReplicaLoad[]): void {
    if (loads.length === 0) return;
    const waiting = loads.reduce((s, l) => s + l.waiting, 0);
    const running = loads.reduce((s, l) => s + l.running, 0);
    const target = this.options.targetWaitingPerReplica * loads.length;
    const now = performance.now();
    if (waiting > Math.max(2 * target, 0.25 * running) && now - this.#lastDecrease > 2 * this.options.metricsPollMs) {
      this.#limit = clamp(Math.floor(this.#limit * this.options.decreaseFactor), this.options.minLimit, this.options.maxLimit);
      this.#lastDecrease = now;
    } else if (waiting < target && this.inFlight >= this.#limit * 0.9) {
      this.#limit = clamp(this.#limit + this.options.additiveStep, this.options.minLimit, this.options.maxLimit);
    }
  }

  start(agent: Agent, replicas: () => string[], onChange: (limit: number) => void): void {
    if (this.options.metricsPollMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      void Promise.all(replicas().map((url) => fetchLoad(agent, url))).then((loads) => {
        this.adjust(loads.filter((l): l is ReplicaLoad => l !== null));
        onChange(this.#limit);
      });
    }, this.options.metricsPollMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

async function fetchLoad(agent: Agent, baseUrl: string): Promise<ReplicaLoad | null> {
  try {
    const url = new URL('/metrics', baseUrl);
    const res = await agent.request({ origin: url.origin, path: url.pathname, method: 'GET', signal: AbortSignal.timeout(5_000) });
    const body = await res.body.text();
    return res.statusCode === 200 ? parseReplicaLoad(body) : null;
  } catch {
    return null;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
