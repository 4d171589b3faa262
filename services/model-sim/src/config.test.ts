import { describe, expect, it } from 'vitest';
import { modelSimConfig } from './config.ts';

describe('modelSimConfig', () => {
  it('keeps the simulator defaults for unset or empty variables and reads the set ones', () => {
    expect(modelSimConfig({ MODEL: '' })).toMatchObject({ host: '127.0.0.1', port: 8000, model: 'qwq-32b-sim', seed: 0, flavour: 'vllm' });
    const set = modelSimConfig({ PORT: '0', FLAVOUR: 'sglang', DECODE_TOKENS_PER_SECOND: 'Infinity', FAULT_ERROR_RATE: '0.25' });
    expect(set).toMatchObject({ port: 0, flavour: 'sglang', decodeTokensPerSecond: Number.POSITIVE_INFINITY });
    expect(set.faults?.errorRate).toBe(0.25);
    expect(modelSimConfig({}).profile).toBe('qwq-32b');
    expect(modelSimConfig({ SIM_BEHAVIOURS: 'split_stop, tool_cap=2' }).behaviours).toEqual({ split_stop: 1, tool_cap: 2 });
    expect(modelSimConfig({ MODEL_PROFILE: 'qwq-32b-preview' }).profile).toBe('qwq-32b-preview');
  });

  it('names the variable that is wrong', () => {
    expect(() => modelSimConfig({ PORT: 'eighty' })).toThrow(/PORT: expected a number, got "eighty"/);
    expect(() => modelSimConfig({ FLAVOUR: 'tgi' })).toThrow(/FLAVOUR/);
    expect(() => modelSimConfig({ MODEL_PROFILE: 'llama' })).toThrow(/MODEL_PROFILE/);
    expect(() => modelSimConfig({ SIM_BEHAVIOURS: 'tool_cap=1,lopp' })).toThrow(/SIM_BEHAVIOURS.*unknown behaviour "lopp"/);
  });
});
