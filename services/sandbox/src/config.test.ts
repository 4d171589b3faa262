import { describe, expect, it } from 'vitest';
import { sandboxConfigFromEnv } from './config.ts';

describe('sandboxConfigFromEnv', () => {
  it('reads SANDBOX_* variables over the defaults', () => {
    const parsed = sandboxConfigFromEnv({
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
  });

  it('names the variable or field that is wrong', () => {
    expect(() => sandboxConfigFromEnv({ SANDBOX_POOL_SIZE: 'many' })).toThrow(/SANDBOX_POOL_SIZE: expected a number/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_LAYER_SECCOMP: 'maybe' })).toThrow(/SANDBOX_LAYER_SECCOMP/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_ALLOW_SAME_UID: 'yes' })).toThrow(/SANDBOX_ALLOW_SAME_UID: expected true or false/);
    expect(() => sandboxConfigFromEnv({ SANDBOX_POOL_SIZE: '0' })).toThrow(/poolSize/);
  });
});
