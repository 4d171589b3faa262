import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

type Panel = {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; refId: string }>;
};
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, 'dashboards', 'rft-overview.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};

test('the dashboard charts queue depth, vLLM, rollout tokens and sandbox executions', () => {
  const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  for (const metric of [
    'bullmq_job_count',
    'vllm:num_requests_waiting',
    'vllm:kv_cache_usage_perc',
    'vllm:generation_tokens_total',
    'vllm:prefix_cache_hits_total',
    'rollout_generated_tokens_total',
    'rollout_tool_calls_total',
    'sandbox_executions_total',
    'rft_work_items',
  ]) {
    expect(
      exprs.some((e) => e.includes(metric)),
      metric,
    ).toBe(true);
  }
});

test('panels have unique ids, fit the 24-column grid, and every query is balanced', () => {
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dashboard.panels) {
    expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const t of p.targets ?? []) {
      const depth = [...t.expr].reduce((d, c) => (d < 0 ? d : c === '(' || c === '{' ? d + 1 : c === ')' || c === '}' ? d - 1 : d), 0);
      expect(depth, `${p.title}: ${t.expr}`).toBe(0);
    }
  }
});
