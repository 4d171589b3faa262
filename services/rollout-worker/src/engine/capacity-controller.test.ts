import { describe, expect, it } from 'vitest';
import { CapacityController, parseReplicaLoad } from './capacity-controller.ts';

const options = {
  initialLimit: 100,
  minLimit: 10,
  maxLimit: 400,
  metricsPollMs: 0,
  targetWaitingPerReplica: 3,
  additiveStep: 4,
  decreaseFactor: 0.5,
};

describe('capacity controller', () => {
  it('reads vLLM and SGLang queue gauges', () => {
    const vllm =
      '# HELP x\nvllm:num_requests_running{model_name="m"} 12\nvllm:num_requests_waiting{model_name="m"} 3\nvllm:kv_cache_usage_perc{model_name="m"} 0.4\n';
    expect(parseReplicaLoad(vllm)).toEqual({ running: 12, waiting: 3 });
    expect(parseReplicaLoad('sglang:num_running_reqs{tp_rank="0"} 7.0\nsglang:num_queue_reqs{tp_rank="0"} 1.0\n')).toEqual({
      running: 7,
      waiting: 1,
    });
    expect(parseReplicaLoad('up 1\n')).toBeNull();
  });

  it('grows while the servers have no queue and the limit is what holds back', () => {
    const c = new CapacityController(options);
    c.inFlight = 100;
    c.adjust([
      { running: 50, waiting: 0 },
      { running: 50, waiting: 1 },
    ]);
    expect(c.limit).toBe(104);
    c.inFlight = 20; // not using the limit: no reason to grow
    c.adjust([{ running: 20, waiting: 0 }]);
    expect(c.limit).toBe(104);
  });

  it('backs off multiplicatively on a long queue and respects its bounds', () => {
    const c = new CapacityController(options);
    c.inFlight = 100;
    c.adjust([{ running: 64, waiting: 80 }]);
    expect(c.limit).toBe(50);
    const floor = new CapacityController({ ...options, initialLimit: 12 });
    floor.adjust([{ running: 64, waiting: 80 }]);
    expect(floor.limit).toBe(10);
    expect(() => new CapacityController({ ...options, minLimit: 0 })).toThrow(/minLimit/);
  });
});
