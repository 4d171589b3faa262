import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from './parse-pipeline-spec.ts';
import type { PipelineStepStatus } from './pipeline-step-lifecycle.ts';
import { planAdvance } from './plan-advance.ts';

const { spec, order } = parsePipelineSpec(
  readFileSync(new URL('../../../examples/start-pipeline.yaml', import.meta.url), 'utf8'),
  'start-pipeline.yaml',
);

function statuses(overrides: Record<string, PipelineStepStatus>): Record<string, PipelineStepStatus> {
  return Object.fromEntries(order.map((step) => [step, overrides[step] ?? 'waiting']));
}

describe('planning which steps start', () => {
  it('starts only the steps without inputs at first', () => {
    expect(planAdvance(spec, statuses({}))).toEqual({ ready: ['greedy'], held: [], finished: false });
  });

  it('starts a step once every input is done, accepted counting as done', () => {
    const plan = planAdvance(spec, statuses({ greedy: 'succeeded', hint: 'accepted' }));
    expect(plan.ready).toEqual(['seed-select']);
    expect(planAdvance(spec, statuses({ greedy: 'running' })).ready).toEqual([]);
  });

  it('holds everything downstream of a failed serve step until it is retried', () => {
    const done = { greedy: 'succeeded', hint: 'succeeded', 'seed-select': 'succeeded', 'train-start-0': 'succeeded' } as const;
    const plan = planAdvance(spec, statuses({ ...done, 'serve-start-0': 'failed' }));
    expect(plan.ready).toEqual([]);
    expect(plan.held.map((h) => h.step)).toEqual(['rft', 'start-select', 'train-start', 'serve-start', 'eval']);
    expect(plan.held.every((h) => h.by === 'serve-start-0' && h.status === 'failed')).toBe(true);
    // The operator's retry puts the step back to waiting: it is the one to start.
    expect(planAdvance(spec, statuses({ ...done, 'serve-start-0': 'waiting' })).ready).toEqual(['serve-start-0']);
  });

  it('is finished when every step is done', () => {
    const all = Object.fromEntries(order.map((s) => [s, 'succeeded' as const]));
    expect(planAdvance(spec, all)).toEqual({ ready: [], held: [], finished: true });
  });

  it('refuses a status map missing a step', () => {
    expect(() => planAdvance(spec, { greedy: 'waiting' })).toThrow('no status for step "hint"');
  });
});
