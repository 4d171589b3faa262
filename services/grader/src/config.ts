import { envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { z } from 'zod';

export interface GraderConfig extends InfrastructureConfig {
  concurrency: number;
  /** The sandbox service; unset grades code questions as sandbox errors. */
  sandboxUrl: string | undefined;
  /** BullMQ lock duration: a worker that stops renewing (killed) loses its jobs after this. */
  lockDurationMs: number;
}

/** The grader's settings; called once, from main.ts. */
export function graderConfig(env: NodeJS.ProcessEnv): GraderConfig {
  const e = parseEnv(
    z.object({
      GRADER_CONCURRENCY: envInt(1, 1000).default(8),
      SANDBOX_URL: z.string().url().optional(),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
    }),
    env,
  );
  return { ...infrastructureConfig(env), concurrency: e.GRADER_CONCURRENCY, sandboxUrl: e.SANDBOX_URL, lockDurationMs: e.LOCK_DURATION_MS };
}
