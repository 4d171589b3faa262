import { describe, expect, it } from 'vitest';
import { rolloutWorkerConfig } from './config.ts';

const BASE = { DATABASE_URL: 'postgres://localhost/rft', REDIS_URL: 'redis://localhost:6379' };

describe('rolloutWorkerConfig: where model-written code runs', () => {
  it('uses the sandbox service with its token', () => {
    const config = rolloutWorkerConfig({ ...BASE, SANDBOX_URL: 'http://sandbox:8090', SANDBOX_TOKEN: 'rollout-token-0123456789' });
    expect(config.sandbox).toEqual({ kind: 'service', url: 'http://sandbox:8090', token: 'rollout-token-0123456789' });
  });

  it('refuses to start without SANDBOX_URL unless ALLOW_UNSANDBOXED_PYTHON=1', () => {
    expect(() => rolloutWorkerConfig(BASE)).toThrow(/SANDBOX_URL: required.*ALLOW_UNSANDBOXED_PYTHON=1/);
    expect(rolloutWorkerConfig({ ...BASE, ALLOW_UNSANDBOXED_PYTHON: '1' }).sandbox).toEqual({ kind: 'unsandboxed-subprocess' });
  });

  it('refuses a sandbox URL without a token', () => {
    expect(() => rolloutWorkerConfig({ ...BASE, SANDBOX_URL: 'http://sandbox:8090' })).toThrow(/SANDBOX_TOKEN: required with SANDBOX_URL/);
    expect(() => rolloutWorkerConfig({ ...BASE, SANDBOX_URL: 'http://sandbox:8090', SANDBOX_TOKEN: 'short' })).toThrow(
      /SANDBOX_TOKEN: a token must be at least 16 characters/,
    );
  });
});
