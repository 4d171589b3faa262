import { ConfigError, envBoolean, envInt, envUrlList, infrastructureConfig, parseEnv, type InfrastructureConfig } from '@rft/config';
import { endpointAllowlistEnv, type EndpointAllowlist } from '@rft/contracts';
import { z } from 'zod';

export interface RolloutWorkerConfig extends InfrastructureConfig {
  /** Questions processed at once by this worker (each runs its samples concurrently). */
  concurrency: number;
  /** Inference endpoints used when a campaign names none. */
  defaultEndpoints: string[];
  /**
   * Where model-written Python runs: the sandbox service with this caller's bearer token, or
   * (development only, ALLOW_UNSANDBOXED_PYTHON=1 without SANDBOX_URL) an unconfined local subprocess.
   */
  sandbox: { kind: 'service'; url: string; token: string } | { kind: 'unsandboxed-subprocess' };
  /** Hosts and networks a campaign's own `model.endpoints` may name; checked before every call. */
  endpointAllowlist: EndpointAllowlist;
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
      INFERENCE_ENDPOINT_ALLOWLIST: endpointAllowlistEnv,
      SANDBOX_URL: z.string().url().optional(),
      SANDBOX_TOKEN: z.string().min(16, 'a token must be at least 16 characters').optional(),
      ALLOW_UNSANDBOXED_PYTHON: envBoolean.default(false),
      LOCK_DURATION_MS: envInt(1000, 3_600_000).default(30_000),
      INFERENCE_REQUEST_TIMEOUT_MS: envInt(1000, 24 * 3_600_000).default(30 * 60_000),
    }),
    env,
  );
  return {
    ...infrastructureConfig(env),
    sandbox: sandboxTarget(e.SANDBOX_URL, e.SANDBOX_TOKEN, e.ALLOW_UNSANDBOXED_PYTHON),
    inferenceRequestTimeoutMs: e.INFERENCE_REQUEST_TIMEOUT_MS,
    concurrency: e.ROLLOUT_CONCURRENCY,
    defaultEndpoints: e.INFERENCE_ENDPOINTS,
    endpointAllowlist: e.INFERENCE_ENDPOINT_ALLOWLIST,
    lockDurationMs: e.LOCK_DURATION_MS,
  };
}

/** Model-written code never runs unconfined by accident: no SANDBOX_URL is an error unless explicitly allowed. */
export function sandboxTarget(
  url: string | undefined,
  token: string | undefined,
  allowUnsandboxed: boolean,
): RolloutWorkerConfig['sandbox'] {
  if (url === undefined) {
    if (allowUnsandboxed) return { kind: 'unsandboxed-subprocess' };
    throw new ConfigError(
      'invalid configuration:\n  SANDBOX_URL: required: model-written Python runs in the sandbox service (for development only, ALLOW_UNSANDBOXED_PYTHON=1 runs it in an unconfined local subprocess)',
    );
  }
  if (token === undefined)
    throw new ConfigError(
      "invalid configuration:\n  SANDBOX_TOKEN: required with SANDBOX_URL (one of the sandbox service's SANDBOX_TOKENS)",
    );
  return { kind: 'service', url, token };
}
