import { describe, expect, it } from 'vitest';
import { sandboxConfigFromEnv } from './config.ts';

const TOKENS = { SANDBOX_TOKENS: JSON.stringify({ 'rollout-token-0123456789': { caller: 'rollout-worker' } }) };

describe('sandboxConfigFromEnv', () => {
  it('reads SANDBOX_* variables over the defaults', () => {
    const parsed = sandboxConfigFromEnv({
      ...TOKENS,
      SANDBOX_PORT: '9000',
      SANDBOX_POOL_SIZE: '3',
      SANDBOX_LAYER_BWRAP: 'off',
      SANDBOX_ALLOW_SAME_UID: 'true',
      SANDBOX_DEFAULT_TIMEOUT_MS: '5000',
      SANDBOX_HOST: '',
    });
    expect(parsed).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      poolSize: 3,
      allowSameUid: true,
      layers: { bwrap: 'off', seccomp: 'require' },
    });
    expect(parsed.defaults.timeoutMs).toBe(5000);
    expect(parsed.defaults.memoryMb).toBe(1024);
    expect(parsed.callers).toEqual({ 'rollout-token-0123456789': { caller: 'rollout-worker', allowSubprocesses: false } });
  });

  it('gives each warm fork server a lean one unless told otherwise; huge pages on unless turned off', () => {
    expect(sandboxConfigFromEnv({ ...TOKENS, SANDBOX_POOL_SIZE: '3' })).toMatchObject({ leanPoolSize: 3, hugePages: true });
    expect(sandboxConfigFromEnv({ ...TOKENS, SANDBOX_LEAN_POOL_SIZE: '0', SANDBOX_HUGE_PAGES: 'false' })).toMatchObject({
      poolSize: 2,
      leanPoolSize: 0,
      hugePages: false,
    });
    expect(() => sandboxConfigFromEnv({ ...TOKENS, SANDBOX_LEAN_POOL_SIZE: '-1' })).toThrow(/leanPoolSize/);
  });

  it('names the variable or field that is wrong', () => {
    expect(() => sandboxConfigFromEnv({})).toThrow(/callers/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_TOKENS: '{"sha256:abc":{"caller":"x"}}' })).toThrow(/sha256:<64 lowercase hex digits>/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_TOKENS: '{}' })).toThrow(/at least one caller token is required/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_TOKENS: 'secret' })).toThrow(/SANDBOX_TOKENS: expected JSON/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_TOKENS: '{"short":{"caller":"x"}}' })).toThrow(/at least 16 characters/);
    expect(() => sandboxConfigFromEnv({ ...TOKENS, SANDBOX_POOL_SIZE: 'many' })).toThrow(/SANDBOX_POOL_SIZE: expected a number/);
    expect(() => sandboxConfigFromEnv({ ...TOKENS, SANDBOX_LAYER_SECCOMP: 'maybe' })).toThrow(/SANDBOX_LAYER_SECCOMP/);
    expect(() => sandboxConfigFromEnv({ ...TOKENS, SANDBOX_ALLOW_SAME_UID: 'yes' })).toThrow(
      /SANDBOX_ALLOW_SAME_UID: expected true or false/,
    );
    expect(() => sandboxConfigFromEnv({ ...TOKENS, SANDBOX_POOL_SIZE: '0' })).toThrow(/poolSize/);
  });
});
