import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExecutionStatus } from '@rft/contracts';

export interface SandboxMetrics {
  registry: Registry;
  executions: Counter<'status' | 'mode'>;
  duration: Histogram<'mode'>;
  queueWait: Histogram;
  queueDepth: Gauge;
  workers: Gauge<'state'>;
  recycles: Counter<'reason'>;
  restarts: Counter;
  kills: Counter<'reason'>;
  sessions: Gauge;
  isolationLayer: Gauge<'layer'>;
  forkServerRss: Gauge<'slot'>;
  forkServerHugePages: Gauge<'slot'>;
  sessionRestarts: Counter;
  recordResult(status: ExecutionStatus, mode: 'stateless' | 'session', wallMs: number): void;
}

const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createSandboxMetrics(registry: Registry = new Registry()): SandboxMetrics {
  const executions = new Counter({
    name: 'sandbox_executions_total',
    help: 'Executions by final status and mode (stateless or session).',
    labelNames: ['status', 'mode'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'sandbox_execution_duration_seconds',
    help: 'Wall time of executions inside the sandbox (excluding queueing).',
    labelNames: ['mode'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const queueWait = new Histogram({
    name: 'sandbox_queue_wait_seconds',
    help: 'Time requests waited for a free fork server.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const queueDepth = new Gauge({ name: 'sandbox_queue_depth', help: 'Requests waiting.', registers: [registry] });
  const workers = new Gauge({
    name: 'sandbox_pool_workers',
    help: 'Fork servers by state (idle, busy, starting).',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const recycles = new Counter({
    name: 'sandbox_worker_recycles_total',
    help: 'Fork servers replaced on purpose, by reason (runs, memory).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'sandbox_worker_restarts_total',
    help: 'Fork servers restarted after they died unexpectedly.',
    registers: [registry],
  });
  const kills = new Counter({
    name: 'sandbox_kills_total',
    help: 'Executions killed by the sandbox, by reason (timeout, output_limit, cancelled).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const sessions = new Gauge({ name: 'sandbox_sessions', help: 'Live sessions.', registers: [registry] });
  const isolationLayer = new Gauge({
    name: 'sandbox_isolation_layer_active',
    help: '1 when an isolation layer is verified active, 0 otherwise.',
    labelNames: ['layer'] as const,
    registers: [registry],
  });
  const forkServerRss = new Gauge({
    name: 'sandbox_fork_server_rss_bytes',
    help: 'Resident memory of each fork server, as it reported after its last execution.',
    labelNames: ['slot'] as const,
    registers: [registry],
  });
  const forkServerHugePages = new Gauge({
    name: 'sandbox_fork_server_huge_pages_bytes',
    help: 'Heap of each fork server collapsed into 2 MiB pages when it started (0: not done, the log says why).',
    labelNames: ['slot'] as const,
    registers: [registry],
  });
  const sessionRestarts = new Counter({
    name: 'sandbox_session_restarts_total',
    help: 'Cells that ran in a fresh interpreter because their session had lost its own (evicted, crashed, timed out, fork server gone).',
    registers: [registry],
  });
  return {
    registry,
    executions,
    duration,
    queueWait,
    queueDepth,
    workers,
    recycles,
    restarts,
    kills,
    sessions,
    isolationLayer,
    forkServerRss,
    forkServerHugePages,
    sessionRestarts,
    recordResult(status, mode, wallMs) {
      executions.inc({ status, mode });
      duration.observe({ mode }, wallMs / 1000);
      if (status === 'timeout' || status === 'output_limit') kills.inc({ reason: status });
      if (status === 'killed') kills.inc({ reason: 'cancelled_or_signalled' });
    },
  };
}
