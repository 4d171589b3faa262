import { ConfigError, envInt, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { z } from 'zod';

export interface GraderConfig extends InfrastructureConfig {
  concurrency: number;
  /** The sandbox service and this caller's bearer token; unset grades code questions as sandbox errors. */
  sandbox: { url: string; token: string } | undefined;
  /** BullMQ lock duration: a worker that stops renewing (killed) loses its jobs after this. */
  lockDurationMs: number;
}

/** The grader's settings; called once, from main.ts. */
export function graderConfig(env: NodeJS.ProcessEnv): GraderConfig {
  const e = parseEnv(
    z.object({
      GRADER_CONCURRENCY: envInt(1, 1000).default(8),
      SANDBOX_URL: z.string().url().optional(),
      SANDBOX_TOKEN: z.string().min(16, 'a token must be at least 16 characters').optional(),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
    }),
    env,
  );
  if (e.SANDBOX_URL !== undefined && e.SANDBOX_TOKEN === undefined) {
    throw new ConfigError(
      "invalid configuration:\n  SANDBOX_TOKEN: required with SANDBOX_URL (one of the sandbox service's SANDBOX_TOKENS)",
    );
  }
  const sandbox = e.SANDBOX_URL !== undefined && e.SANDBOX_TOKEN !== undefined ? { url: e.SANDBOX_URL, token: e.SANDBOX_TOKEN } : undefined;
  return { ...infrastructureConfig(env), concurrency: e.GRADER_CONCURRENCY, sandbox, lockDurationMs: e.LOCK_DURATION_MS };
}
