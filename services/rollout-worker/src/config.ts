import { envInt, envUrlList, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { InputError, parseEndpointAllowlist, type EndpointAllowlist } from '@rft/contracts';
import { z } from 'zod';

export interface RolloutWorkerConfig extends InfrastructureConfig {
  /** Questions processed at once by this worker (each runs its samples concurrently). */
  concurrency: number;
  /** Inference endpoints used when a campaign names none. */
  defaultEndpoints: string[];
  /** Hosts and networks a campaign's own `model.endpoints` may name; checked before every call. */
  endpointAllowlist: EndpointAllowlist;
  /** The sandbox service; empty runs snippets in a local subprocess (development only). */
  sandboxUrl: string | undefined;
  /** BullMQ lock duration: a worker that stops renewing (killed) loses its jobs after this. */
  lockDurationMs: number;
  /** One inference request (one turn) is abandoned after this; a hung replica is then retried elsewhere. */
  inferenceRequestTimeoutMs: number;
}

/** The rollout worker's settings; called once, from main.ts. */
export function rolloutWorkerConfig(env: NodeJS.ProcessEnv): RolloutWorkerConfig {
  const e = parseEnv(
    z.object({
      ROLLOUT_CONCURRENCY: envInt(1, 10_000).default(32),
      INFERENCE_ENDPOINTS: envUrlList,
      INFERENCE_ENDPOINT_ALLOWLIST: z
        .string()
        .default('')
        .transform((text, ctx) => {
          try {
            return parseEndpointAllowlist(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: error instanceof InputError ? error.problems.join('; ') : String(error) });
            return z.NEVER;
          }
        }),
      SANDBOX_URL: z.string().url().optional(),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
      INFERENCE_REQUEST_TIMEOUT_MS: envInt(1000, 24 * 3_600_000).default(30 * 60_000),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    inferenceRequestTimeoutMs: e.INFERENCE_REQUEST_TIMEOUT_MS,
    concurrency: e.ROLLOUT_CONCURRENCY,
    defaultEndpoints: e.INFERENCE_ENDPOINTS,
    endpointAllowlist: e.INFERENCE_ENDPOINT_ALLOWLIST,
    sandboxUrl: e.SANDBOX_URL,
    lockDurationMs: e.LOCK_DURATION_MS,
  };
}
