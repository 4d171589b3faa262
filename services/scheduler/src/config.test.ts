import { describe, expect, it } from 'vitest';
import { schedulerConfig } from './config.ts';

describe('schedulerConfig', () => {
  it('reads the scheduler variables over the defaults, with the shared infrastructure', () => {
    expect(schedulerConfig({})).toMatchObject({ rolloutWindow: 256, tickMs: 1000, lostJobGraceMs: 30_000, shutdownTimeoutMs: 100_000 });
    expect(schedulerConfig({ ROLLOUT_WINDOW: '64', SHUTDOWN_TIMEOUT_MS: '5000' })).toMatchObject({
      rolloutWindow: 64,
      shutdownTimeoutMs: 5000,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => schedulerConfig({ SCHEDULER_TICK_MS: '10' })).toThrow(/SCHEDULER_TICK_MS/);
  });
});
