/**
 * Every metric a Grafana panel queries must be one that some service exports: the PromQL of each
 * panel is parsed with Prometheus' own grammar (@prometheus-io/lezer-promql) and its selectors'
 * metric names are looked up among the names the services register (their prom-client registries)
 * and model-sim serves on /metrics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerApiMetrics } from '@rft/api';
import { registerCuratorMetrics } from '@rft/curator';
import type { Db } from '@rft/db';
import { registerGraderMetrics } from '@rft/grader';
import { registerLauncherMetrics } from '@rft/launcher';
import { createModelSim } from '@rft/model-sim';
import type { JobQueues } from '@rft/queue';
import { createEngineMetrics } from '@rft/rollout-worker';
import { createSandboxMetrics } from '@rft/sandbox';
import { registerSchedulerMetrics } from '@rft/scheduler';
import { createMetricsRegistry, type Registry } from '@rft/telemetry';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
const dashboardsDir = join(import.meta.dirname, 'dashboards');
const dashboard = JSON.parse(readFileSync(join(dashboardsDir, 'rft-overview.json'), 'utf8')) as { panels: Panel[] };
const queries = dashboard.panels
  .flatMap((p) => [p, ...(p.panels ?? [])])
  .flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** The metric names an expression selects, or the parse error Prometheus' grammar finds. */
function selectedMetricNames(expr: string): { names: string[]; error: string | null } {
  const names: string[] = [];
  let error: string | null = null;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError && error === null)
        error = `syntax error at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(expr.slice(node.from, node.to));
    },
  });
  return { names, error };
}

/** Series names a registry exposes, without collecting (histograms expand to their _bucket/_sum/_count). */
function exposedNames(registry: Registry): string[] {
  return registry.getMetricsAsArray().flatMap((m) => {
    const { name, type } = m as unknown as { name: string; type: string };
    return type === 'histogram'
      ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
      : type === 'summary'
        ? [name, `${name}_sum`, `${name}_count`]
        : [name];
  });
}

/** Names on a Prometheus text exposition. */
function scrapedNames(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)![0]);
}

describe('the Grafana dashboard queries only exported metrics', () => {
  const exported = new Map<string, string>();
  const sim = createModelSim();

  beforeAll(async () => {
    // The registries are only listed, never collected: their ledger-reading gauges never run.
    const unreachable = {} as Db;
    const registries: Array<[string, (r: Registry) => unknown]> = [
      ['api', (r) => registerApiMetrics(r, { db: unreachable, queues: {} as JobQueues })],
      ['scheduler', (r) => registerSchedulerMetrics(r, { db: unreachable, rolloutWindow: 1 })],
      ['grader', (r) => registerGraderMetrics(r)],
      ['curator', (r) => registerCuratorMetrics(r)],
      ['launcher', (r) => registerLauncherMetrics(r, { db: unreachable })],
      ['rollout-worker', (r) => createEngineMetrics(r)],
      ['sandbox', (r) => createSandboxMetrics(r)],
    ];
    for (const [service, register] of registries) {
      const registry = createMetricsRegistry(service);
      register(registry);
      for (const name of exposedNames(registry)) exported.set(name, service);
    }
    const { url } = await sim.start();
    for (const name of scrapedNames(await (await fetch(`${url}/metrics`)).text())) exported.set(name, 'model-sim');
  });
  afterAll(() => sim.close());

  test('every panel query parses as PromQL', () => {
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) expect(selectedMetricNames(q.expr).error, `${q.panel}: ${q.expr}`).toBeNull();
  });

  test('every metric name a panel selects is exported by a service or model-sim', () => {
    const missing = queries.flatMap((q) =>
      selectedMetricNames(q.expr)
        .names.filter((n) => !exported.has(n))
        .map((n) => `${q.panel}: ${n}`),
    );
    expect(missing).toEqual([]);
  });

  test('the parser finds names where they are (a check of the check)', () => {
    expect(
      selectedMetricNames('histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{model_name="m"}[5m])))')
        .names,
    ).toEqual(['vllm:e2e_request_latency_seconds_bucket']);
    expect(selectedMetricNames('sum by (status) (rft_work_items) / on (status) rft_campaigns').names).toEqual([
      'rft_work_items',
      'rft_campaigns',
    ]);
    expect(selectedMetricNames('sum(rate(x[5m]').error).not.toBeNull();
    expect(exported.has('vllm:time_to_first_token_seconds_bucket')).toBe(true);
    expect(exported.has('no_such_metric_total')).toBe(false);
  });

  test('metric names follow Prometheus naming: counters end in _total, units are base units', () => {
    const problems: string[] = [];
    for (const [service, register] of [
      ['scheduler', (r: Registry) => registerSchedulerMetrics(r, { db: {} as Db, rolloutWindow: 1 })],
      ['grader', (r: Registry) => registerGraderMetrics(r)],
      ['curator', (r: Registry) => registerCuratorMetrics(r)],
      ['launcher', (r: Registry) => registerLauncherMetrics(r, { db: {} as Db })],
    ] as const) {
      const registry = createMetricsRegistry(service, { defaultMetrics: false });
      register(registry);
      for (const m of registry.getMetricsAsArray()) {
        const { name, type, help } = m as unknown as { name: string; type: string; help: string };
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) problems.push(`${name}: not snake_case`);
        if (!name.startsWith('rft_')) problems.push(`${name}: no rft_ prefix`);
        if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: a counter without _total`);
        if (type !== 'counter' && name.endsWith('_total')) problems.push(`${name}: _total on a ${type}`);
        if (/_(ms|milliseconds|minutes|hours)(_|$)/.test(name)) problems.push(`${name}: not in base units`);
        if (type === 'histogram' && !/_(seconds|bytes|tokens|rows)$/.test(name))
          problems.push(`${name}: a histogram without a unit suffix`);
        if (!help) problems.push(`${name}: no help text`);
      }
    }
    expect(problems).toEqual([]);
  });
});
