import { envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { z } from 'zod';

export interface SchedulerConfig extends InfrastructureConfig {
  /** Rollout jobs kept in Redis at once, across all campaigns: a few times total worker concurrency. */
  rolloutWindow: number;
  /** How often the scheduler tops up the window and sweeps for lost work. */
  tickMs: number;
  /** A queued or running item whose job vanished from Redis for this long is re-enqueued. */
  lostJobGraceMs: number;
}

/** The scheduler's settings; called once, from main.ts. */
export function schedulerConfig(env: NodeJS.ProcessEnv): SchedulerConfig {
  const e = parseEnv(
    z.object({
      ROLLOUT_WINDOW: envInt(1, 1_000_000).default(256),
      SCHEDULER_TICK_MS: envInt(50, 600_000).default(1000),
      LOST_JOB_GRACE_MS: envInt(0, 86_400_000).default(30_000),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    rolloutWindow: e.ROLLOUT_WINDOW,
    tickMs: e.SCHEDULER_TICK_MS,
    lostJobGraceMs: e.LOST_JOB_GRACE_MS,
  };
}
